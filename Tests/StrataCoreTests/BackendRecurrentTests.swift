import Foundation
import Testing
import StrataCore
import _StrataTestSupport

/// The LSTM requirements of the backend, called directly through `Device.cpu.backend`: the op's
/// states and initial-state gradients, and one step written out.
@Suite("Backend: recurrent")
struct BackendRecurrentTests {
    let backend = Device.cpu.backend

    @Test("LSTM forward and backward through the backend")
    func lstm() {
        let (batch, steps, features, hidden) = (2, 3, 4, 5)
        let x = randomTensor([batch, steps, features], seed: 13, dtype: .float64)
        let h0 = randomTensor([batch, hidden], seed: 14, dtype: .float64), c0 = randomTensor([batch, hidden], seed: 15, dtype: .float64)
        let wih = randomTensor([4 * hidden, features], seed: 16, dtype: .float64), whh = randomTensor([4 * hidden, hidden], seed: 17, dtype: .float64)
        let bias = randomTensor([4 * hidden], seed: 18, dtype: .float64)
        let pre = Tensor.linear(x.reshaped([batch * steps, features]), weight: wih, bias: bias)   // [B·T, 4H]
        let states = Tensor.empty([steps, 2, batch, hidden], dtype: .float64)
        let gates = Tensor.empty([steps, batch, 4 * hidden], dtype: .float64)
        backend.lstmForward(preactivations: pre, h0: h0, c0: c0, weightHH: whh, states: states, gates: gates)

        let h0g = h0.copy(), c0g = c0.copy()
        h0g.requiresGrad = true; c0g.requiresGrad = true
        let reference = Tensor.lstm(x, h0: h0g, c0: c0g, weightIH: wih, weightHH: whh, biasIH: bias, biasHH: nil)
        #expect(states.doubles == reference.doubles)

        // One step written out: i, f, g, o from pre + h0·W_hhᵀ, then c1 = f·c0 + i·g, h1 = o·tanh(c1).
        let z = Naive.matmul(h0.doubles, whh.doubles, m: batch, k: hidden, n: 4 * hidden, transposeB: true)
        let p = pre.doubles, c0v = c0.doubles, s = states.doubles
        func sigmoid(_ v: Double) -> Double { 1 / (1 + Foundation.exp(-v)) }
        for b in 0..<batch {
            for j in 0..<hidden {
                let at = { (gate: Int) in p[b * steps * 4 * hidden + gate * hidden + j] + z[b * 4 * hidden + gate * hidden + j] }
                let c1 = sigmoid(at(1)) * c0v[b * hidden + j] + sigmoid(at(0)) * Foundation.tanh(at(2))
                let h1 = sigmoid(at(3)) * Foundation.tanh(c1)
                #expect(Swift.abs(s[b * hidden + j] - h1) < 1e-12 && Swift.abs(s[(batch + b) * hidden + j] - c1) < 1e-12)
            }
        }

        let g = randomTensor([steps, 2, batch, hidden], seed: 19, dtype: .float64)
        (reference * g).sum().backward()
        let dPre = Tensor.empty([batch, steps, 4 * hidden], dtype: .float64)
        let hPrev = Tensor.empty([batch, steps, hidden], dtype: .float64)
        let dh0 = Tensor.zeros([batch, hidden], dtype: .float64), dc0 = Tensor.zeros([batch, hidden], dtype: .float64)
        backend.lstmBackward(stateGradient: g, states: states, gates: gates, h0: h0, c0: c0, weightHH: whh,
                             preactivationGradient: dPre, previousHidden: hPrev, h0Gradient: dh0, c0Gradient: dc0)
        #expect(dh0.doubles == h0g.grad!.doubles)
        #expect(dc0.doubles == c0g.grad!.doubles)
        // h_{t-1}, batch-first: h0 at t = 0, then the states' h of the step before.
        let hp = hPrev.doubles
        for b in 0..<batch {
            for t in 0..<steps {
                let row = Array(hp[((b * steps + t) * hidden)..<((b * steps + t + 1) * hidden)])
                let want = t == 0 ? Array(h0.doubles[(b * hidden)..<((b + 1) * hidden)])
                                  : Array(s[((2 * (t - 1)) * batch + b) * hidden..<((2 * (t - 1)) * batch + b + 1) * hidden])
                #expect(row == want)
            }
        }
    }

    /// The float32 path (the recurrent products on packed panels, each step's gate work on the
    /// hidden units whose products a core has just made) against the float64 one: the states,
    /// gate and initial-state gradients agree to float32 rounding. Hidden sizes that are and are
    /// not a multiple of the 16-wide panels, and one large enough to split across the cores.
    @Test("LSTM in float32 follows float64")
    func lstmFloat32() {
        for (batch, steps, hidden) in [(3, 4, 20), (9, 5, 48), (32, 6, 256)] {
            let features = 7
            let x = randomTensor([batch * steps, features], seed: 21, dtype: .float64)
            let h0 = randomTensor([batch, hidden], seed: 22, dtype: .float64), c0 = randomTensor([batch, hidden], seed: 23, dtype: .float64)
            let wih = randomTensor([4 * hidden, features], seed: 24, dtype: .float64) * 0.3
            let whh = randomTensor([4 * hidden, hidden], seed: 25, dtype: .float64) * (1 / Double(hidden).squareRoot())
            let g = randomTensor([steps, 2, batch, hidden], seed: 26, dtype: .float64)
            var results: [[[Double]]] = []
            for dtype in [DType.float64, .float32] {
                let pre = Tensor.matmul(x.cast(to: dtype), wih.cast(to: dtype), transposeB: true)
                let states = Tensor.empty([steps, 2, batch, hidden], dtype: dtype), gates = Tensor.empty([steps, batch, 4 * hidden], dtype: dtype)
                backend.lstmForward(preactivations: pre, h0: h0.cast(to: dtype), c0: c0.cast(to: dtype), weightHH: whh.cast(to: dtype), states: states, gates: gates)
                let dPre = Tensor.empty([batch, steps, 4 * hidden], dtype: dtype), hPrev = Tensor.empty([batch, steps, hidden], dtype: dtype)
                let dh0 = Tensor.zeros([batch, hidden], dtype: dtype), dc0 = Tensor.zeros([batch, hidden], dtype: dtype)
                backend.lstmBackward(stateGradient: g.cast(to: dtype), states: states, gates: gates, h0: h0.cast(to: dtype), c0: c0.cast(to: dtype),
                                     weightHH: whh.cast(to: dtype), preactivationGradient: dPre, previousHidden: hPrev, h0Gradient: dh0, c0Gradient: dc0)
                results.append([states, gates, dPre, hPrev, dh0, dc0].map { $0.cast(to: .float64).doubles })
            }
            for (name, (want, got)) in zip(["states", "gates", "dPre", "hPrev", "dh0", "dc0"], zip(results[0], results[1])) {
                let worst = zip(want, got).map { Swift.abs($0 - $1) / Swift.max(1, Swift.abs($0)) }.max() ?? 0
                #expect(worst < 2e-5, "\(name) at batch \(batch), hidden \(hidden): relative error \(worst)")
            }
        }
    }
}
