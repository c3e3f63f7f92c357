import Foundation
import Strata

extension BenchCommand {
    /// Each fused primitive against the same computation written out with primitives, forward
    /// and backward, at the gpt-char and lstm-charlm shapes: the evidence that fusing pays.
    func fused() -> BenchmarkReport {
        var report = BenchmarkReport(workload: "fused")
        var rng = RandomGenerator(seed: 4)
        func leaf(_ shape: Shape) -> Tensor { Tensor.normal(shape, generator: &rng, requiresGrad: true) }
        func timed(_ name: String, _ f: () -> Tensor) -> BenchmarkFigure {
            let seconds = Measure.repeated(runs: runs) {
                for _ in 0..<10 { f().sum().backward() }
            }
            return BenchmarkFigure(name: name, unit: "ms", values: seconds.map { $0 * 100 }, higherIsBetter: false)
        }
        var pairs: [(String, () -> Tensor, () -> Tensor)] = []

        let x = leaf([16 * 128, 128]), gamma = leaf([128]), beta = leaf([128])
        pairs.append(("layernorm", { x.layerNorm(weight: gamma, bias: beta) }, {
            let centered = x - x.mean(axes: [1], keepDims: true)
            return centered * (centered.square().mean(axes: [1], keepDims: true) + 1e-5).rsqrt() * gamma + beta
        }))

        let q = leaf([16, 4, 128, 32]), k = leaf([16, 4, 128, 32]), v = leaf([16, 4, 128, 32])
        let causal = Tensor.arange(0, 128, dtype: .int64).reshaped([1, 128]) .<= Tensor.arange(0, 128, dtype: .int64).reshaped([128, 1])
        pairs.append(("attention", { Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: true) }, {
            let scores = q.matmul(k.transposed()) / Double(32).squareRoot()
            return Tensor.where(causal, scores, Tensor.full([], value: -1e9)).softmax(axis: -1).matmul(v)
        }))

        let seq = leaf([32, 64, 64]), h0 = Tensor.zeros([32, 256]), c0 = Tensor.zeros([32, 256])
        let wih = leaf([1024, 64]), whh = leaf([1024, 256]), bias = leaf([1024])
        pairs.append(("lstm", { Tensor.lstm(seq, h0: h0, c0: c0, weightIH: wih, weightHH: whh, biasIH: bias, biasHH: nil)[.all, 0] }, {
            var (h, c) = (h0, c0)
            var outputs: [Tensor] = []
            let projected = Tensor.linear(seq.reshaped([-1, 64]), weight: wih, bias: bias).reshaped([32, 64, 1024])
            for t in 0..<64 {
                let z = projected[.all, t, .all] + Tensor.matmul(h, whh, transposeB: true)
                let i = z[.all, 0..<256].sigmoid(), f = z[.all, 256..<512].sigmoid()
                let g = z[.all, 512..<768].tanh(), o = z[.all, 768..<1024].sigmoid()
                c = f * c + i * g
                h = o * c.tanh()
                outputs.append(h)
            }
            return Tensor.stacked(outputs)
        }))

        let w = leaf([512, 128])
        pairs.append(("linear", { Tensor.linear(x, weight: w, bias: bias[0..<512]) }, {
            Tensor.matmul(x, w, transposeB: true) + bias[0..<512]
        }))

        for (name, fusedForm, writtenOut) in pairs {
            report.results.append(timed("\(name)", fusedForm))
            report.results.append(timed("\(name)-unfused", writtenOut))
        }
        return report
    }
}
