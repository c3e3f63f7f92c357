import Foundation
import Testing
import StrataCore

/// The optimizer updates called through `Device.cpu.backend`, against the update rules written
/// out in Double for two steps (float64 tensors, so the comparison is tight).
@Suite struct BackendOptimizerTests {
    let backend = Device.cpu.backend

    /// A float64 parameter and gradient of 19 elements (the SIMD loop and its remainder).
    func start(_ seed: UInt64) -> (Tensor, Tensor, [Double], [Double]) {
        let p = randomTensor([19], seed: seed, dtype: .float64), g = randomTensor([19], seed: seed + 1, dtype: .float64)
        return (p, g, p.doubles, g.doubles)
    }

    @Test func sgdNesterovTwoSteps() {
        let (p, g, p0, g0) = start(1)
        let b = Tensor.zeros([19], dtype: .float64)
        var ref = p0, buf = [Double](repeating: 0, count: 19)
        for step in 1...2 {
            backend.sgdUpdate(p, gradient: g, momentumBuffer: b, firstStep: step == 1, learningRate: 0.1, momentum: 0.9,
                              dampening: 0, weightDecay: 0.01, nesterov: true)
            for i in 0..<19 {
                let d = g0[i] + 0.01 * ref[i]
                buf[i] = step == 1 ? d : 0.9 * buf[i] + d
                ref[i] -= 0.1 * (d + 0.9 * buf[i])
            }
        }
        expectClose(p.doubles, ref, tolerance: 1e-14)
        expectClose(b.doubles, buf, tolerance: 1e-14)
    }

    @Test(arguments: [false, true]) func adamTwoSteps(decoupled: Bool) {
        let (p, g, p0, g0) = start(3)
        let m = Tensor.zeros([19], dtype: .float64), v = Tensor.zeros([19], dtype: .float64)
        var ref = p0, mr = [Double](repeating: 0, count: 19), vr = mr
        let (lr, b1, b2, eps, wd) = (0.01, 0.9, 0.99, 1e-8, 0.1)
        for step in 1...2 {
            backend.adamUpdate(p, gradient: g, expAvg: m, expAvgSq: v, learningRate: lr, beta1: b1, beta2: b2, epsilon: eps,
                               weightDecay: wd, decoupled: decoupled, step: step)
            for i in 0..<19 {
                let gi = g0[i] + (decoupled ? 0 : wd * ref[i])
                if decoupled { ref[i] *= 1 - lr * wd }
                mr[i] = b1 * mr[i] + (1 - b1) * gi
                vr[i] = b2 * vr[i] + (1 - b2) * gi * gi
                let mHat = mr[i] / (1 - pow(b1, Double(step))), vHat = vr[i] / (1 - pow(b2, Double(step)))
                ref[i] -= lr * mHat / (vHat.squareRoot() + eps)
            }
        }
        expectClose(p.doubles, ref, tolerance: 1e-12)
        expectClose(m.doubles, mr, tolerance: 1e-14)
        expectClose(v.doubles, vr, tolerance: 1e-14)
    }

    @Test func rmsPropCenteredWithMomentum() {
        let (p, g, p0, g0) = start(5)
        let sq = Tensor.zeros([19], dtype: .float64), avg = Tensor.zeros([19], dtype: .float64), mom = Tensor.zeros([19], dtype: .float64)
        var ref = p0, s = [Double](repeating: 0, count: 19), a = s, b = s
        for _ in 1...2 {
            backend.rmsPropUpdate(p, gradient: g, squareAvg: sq, gradAvg: avg, momentumBuffer: mom, learningRate: 0.01, alpha: 0.9,
                                  epsilon: 1e-8, weightDecay: 0, momentum: 0.5)
            for i in 0..<19 {
                s[i] = 0.9 * s[i] + 0.1 * g0[i] * g0[i]
                a[i] = 0.9 * a[i] + 0.1 * g0[i]
                b[i] = 0.5 * b[i] + g0[i] / ((s[i] - a[i] * a[i]).squareRoot() + 1e-8)
                ref[i] -= 0.01 * b[i]
            }
        }
        expectClose(p.doubles, ref, tolerance: 1e-12)
    }

    @Test func adagradWithDecay() {
        let (p, g, p0, g0) = start(7)
        let sum = Tensor.zeros([19], dtype: .float64)
        var ref = p0, s = [Double](repeating: 0, count: 19)
        for step in 1...2 {
            backend.adagradUpdate(p, gradient: g, sum: sum, learningRate: 0.1, learningRateDecay: 0.5, epsilon: 1e-10,
                                  weightDecay: 0, step: step)
            for i in 0..<19 {
                s[i] += g0[i] * g0[i]
                ref[i] -= 0.1 / (1 + Double(step - 1) * 0.5) * g0[i] / (s[i].squareRoot() + 1e-10)
            }
        }
        expectClose(p.doubles, ref, tolerance: 1e-14)
    }
}
