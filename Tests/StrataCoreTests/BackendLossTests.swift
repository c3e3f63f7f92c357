import Foundation
import Testing
import StrataCore

/// Softmax cross-entropy called through `Device.cpu.backend`, against StrataCore's log-softmax
/// and the gradient written out: softmax − smoothed one-hot, scaled.
@Suite struct BackendLossTests {
    @Test(arguments: [DType.float32, .float64]) func forwardAndBackward(dtype: DType) {
        let (n, c, eps) = (4, 5, 0.1)
        let logits = randomTensor([n, c], seed: 11, dtype: dtype) * 3
        let targets = Tensor([3, -100, 0, 4] as [Int64])
        let p = Tensor.empty([n, c], dtype: dtype), losses = Tensor.empty([n], dtype: .float64)
        let backend = Device.cpu.backend
        backend.softmaxCrossEntropy(logits: logits, targets: targets, ignoreIndex: -100, labelSmoothing: eps, probabilities: p, losses: losses)
        let logP = logits.cast(to: .float64).logSoftmax(axis: 1).doubles
        let labels = [3, -100, 0, 4]
        var expected = [Double](repeating: 0, count: n)
        for i in 0..<n where labels[i] >= 0 {
            let row = logP[(i * c)..<((i + 1) * c)]
            expected[i] = -(1 - eps) * logP[i * c + labels[i]] - eps * row.reduce(0, +) / Double(c)
        }
        let tolerance = dtype == .float32 ? 1e-5 : 1e-12
        expectClose(losses.doubles, expected, tolerance: tolerance)
        expectClose(p.doubles, logP.map { Foundation.exp($0) }, tolerance: tolerance)

        // Per-row upstream (reduction none) and a scalar one divided by the valid count (mean).
        for (upstream, divisor) in [(Tensor([0.5, 2, -1, 3] as [Double]).cast(to: dtype), 1.0), (Tensor(scalar: 1.5).cast(to: dtype), 3.0)] {
            let grad = Tensor.empty([n, c], dtype: dtype)
            backend.softmaxCrossEntropyBackward(upstream: upstream, probabilities: p, targets: targets, ignoreIndex: -100,
                                                labelSmoothing: eps, divisor: divisor, into: grad)
            let u = upstream.doubles, probs = p.doubles
            var want = [Double](repeating: 0, count: n * c)
            for i in 0..<n where labels[i] >= 0 {
                let scale = (u.count == 1 ? u[0] : u[i]) / divisor
                for j in 0..<c { want[i * c + j] = scale * (probs[i * c + j] - eps / Double(c) - (j == labels[i] ? 1 - eps : 0)) }
            }
            expectClose(grad.doubles, want, tolerance: tolerance)
        }
    }
}
