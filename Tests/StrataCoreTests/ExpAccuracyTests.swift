import Foundation
import Testing
import StrataCore

@Suite("Float.exp (vectorisable) against the C library's expf")
struct ExpAccuracyTests {
    @Test func withinTwoULPAcrossTheRange() {
        var worst: Float = 0, worstX: Float = 0
        var x: Float = -87.3
        while x < 88.7 {
            let got = Float.exp(x), expected = Foundation.expf(x)
            let ulps = Swift.abs(got - expected) / expected.ulp
            if ulps > worst { worst = ulps; worstX = x }
            x += Swift.max(Swift.abs(x) * 1e-4, 1e-3)
        }
        #expect(worst <= 2, "largest error \(worst) ulp at x = \(worstX)")
    }

    @Test func specialValues() {
        #expect(Float.exp(0) == 1)
        #expect(Float.exp(-.infinity) == 0)
        #expect(Float.exp(-100) == 0)
        #expect(Float.exp(.infinity) == .infinity)
        #expect(Float.exp(89) == .infinity)
        #expect(Float.exp(.nan).isNaN)
        #expect(Swift.abs(Float.exp(1) - 2.7182817) <= 2.4e-7)
    }

    @Test func tanhWithinFourULP() {
        var worst: Float = 0, worstX: Float = 0
        var x: Float = -12
        while x < 12 {
            let got = Float.tanh(x), expected = Foundation.tanhf(x)
            let ulps = Swift.abs(got - expected) / Swift.max(expected.magnitude.ulp, Float.leastNormalMagnitude)
            if ulps > worst { worst = ulps; worstX = x }
            x += Swift.max(Swift.abs(x) * 1e-4, 1e-5)
        }
        #expect(worst <= 4, "largest error \(worst) ulp at x = \(worstX)")
        #expect(Float.tanh(0) == 0 && Float.tanh(-0.0) == 0)
        #expect(Float.tanh(.infinity) == 1 && Float.tanh(-.infinity) == -1)
        #expect(Float.tanh(.nan).isNaN)
        #expect(Float.tanh(1e-30) == 1e-30)
    }

    @Test func softmaxWithMaskedEntriesGivesExactZeros() {
        let logits = Tensor([0, -Float.infinity, 1, -Float.infinity], shape: [1, 4])
        let p = logits.softmax(axis: 1).floats
        #expect(p[1] == 0 && p[3] == 0)
        #expect(Swift.abs(p[0] + p[2] - 1) < 1e-6)
    }
}
