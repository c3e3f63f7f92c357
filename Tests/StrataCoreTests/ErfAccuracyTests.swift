import Foundation
import Testing
import StrataCore

@Suite("Float.erf (vectorisable) against the C library's erff")
struct ErfAccuracyTests {
    @Test func withinFourULPAcrossTheRange() {
        var worst: Float = 0, worstX: Float = 0
        var x: Float = -6
        while x < 6 {
            let got = Float.erf(x), expected = Foundation.erff(x)
            let ulps = expected == 0 ? Swift.abs(got) / Float.leastNonzeroMagnitude : Swift.abs(got - expected) / expected.ulp
            if ulps > worst { worst = ulps; worstX = x }
            x += Swift.max(Swift.abs(x) * 1e-5, 1e-5)
        }
        #expect(worst <= 4, "largest error \(worst) ulp at x = \(worstX)")
        // Tiny arguments, where erf(x) ≈ 2x/√π must stay relatively exact.
        for tiny: Float in [1e-30, 1e-20, 1e-10, 1e-5, 3e-3] {
            #expect(Swift.abs(Float.erf(tiny) - Foundation.erff(tiny)) <= 4 * Foundation.erff(tiny).ulp, "x = \(tiny)")
        }
    }

    @Test func specialValues() {
        #expect(Float.erf(0) == 0)
        #expect(Float.erf(.infinity) == 1 && Float.erf(-.infinity) == -1)
        #expect(Float.erf(4) == 1 && Float.erf(-10) == -1)
        #expect(Float.erf(.nan).isNaN)
        #expect(Float.erf(-0.5) == -Float.erf(0.5))
    }
}
