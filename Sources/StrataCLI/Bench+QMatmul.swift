import Foundation
import Strata

extension BenchCommand {
    /// x · Wᵀ with GGML-quantised W (`QuantizedMatrix`) for SmolLM2-135M's shapes: Q4_1 576x1536
    /// (ffn_down) and 1536x576 (ffn_up/gate), Q8_0 49152x576 (the tied output head), rows x
    /// columns. One token (decoding) and 16 tokens (prefill, batches), in GFLOP/s and in GB/s of
    /// weight bytes. The reference is float32 x · Wᵀ of the same shape through `Tensor.matmul`
    /// (OpenBLAS sgemv for one token, sgemm for 16), measured in the same run.
    ///
    /// Each product reads a different copy of the weights, cycling through at least 64 MB, so
    /// that weights stream from memory as they do in a model too large for the caches.
    func qmatmul() -> BenchmarkReport {
        var report = BenchmarkReport(workload: "qmatmul")
        var reference: [BenchmarkFigure] = []
        let shapes: [(GGMLType, Int, Int)] = [(.q4_1, 576, 1536), (.q4_1, 1536, 576), (.q8_0, 49152, 576)]
        for (type, rows, columns) in shapes {
            var rng = RandomGenerator(seed: UInt64(rows * 7 + columns))
            let weight = Tensor.normal([rows, columns], std: 0.05, generator: &rng)
            guard let q = try? QuantizedMatrix.quantize(weight, to: type) else { fatalError("qmatmul: cannot quantise to \(type)") }
            let encoded = q.withUnsafeBytes { [UInt8]($0) }
            let quantized = (0..<copyCount(bytes: q.byteCount)).compactMap { _ in
                try? QuantizedMatrix(type: type, rows: rows, columns: columns, data: encoded)
            }
            let floats = (0..<copyCount(bytes: rows * columns * 4)).map { _ in weight.copy() }
            for tokens in [1, 16] {
                let x = Tensor.normal([tokens, columns], generator: &rng)
                let flops = 2 * Double(rows * columns * tokens)
                let name = "\(type) \(rows)x\(columns) t\(tokens)"
                var i = 0, j = 0
                let ours = rates(flops: flops, bytes: Double(q.byteCount)) {
                    _ = quantized[i % quantized.count].matmul(x); i += 1
                }
                let theirs = rates(flops: flops, bytes: Double(rows * columns * 4)) {
                    _ = Tensor.matmul(x, floats[j % floats.count], transposeB: true); j += 1
                }
                report.results.append(BenchmarkFigure(name: name, unit: "GFLOP/s", values: ours.gflops))
                report.results.append(BenchmarkFigure(name: name + " bw", unit: "GB/s", values: ours.gbps))
                reference.append(BenchmarkFigure(name: name, unit: "GFLOP/s", values: theirs.gflops))
                reference.append(BenchmarkFigure(name: name + " bw", unit: "GB/s", values: theirs.gbps))
                if tokens == 1 {
                    var k = 0
                    let scalar = rates(flops: flops, bytes: Double(q.byteCount)) {
                        _ = quantized[k % quantized.count].matmul(x, kernels: .scalar); k += 1
                    }
                    report.results.append(BenchmarkFigure(name: name + " scalar", unit: "GFLOP/s", values: scalar.gflops))
                }
            }
        }
        report.reference = reference
        return report
    }

    /// Copies of a matrix of `bytes` that fill 64 MB, more than the caches hold.
    private func copyCount(bytes: Int) -> Int { (64 << 20) / Swift.max(1, bytes) + 1 }

    /// Per-run GFLOP/s and GB/s of `body`, repeated for about 50 ms per run after a warm-up.
    private func rates(flops: Double, bytes: Double, _ body: () -> Void) -> (gflops: [Double], gbps: [Double]) {
        for _ in 0..<3 { body() }
        let once = Measure.seconds(body)
        let inner = Swift.max(1, Int(0.05 / Swift.max(once, 1e-7)))
        let seconds = (0..<runs).map { _ in Measure.seconds { for _ in 0..<inner { body() } } / Double(inner) }
        return (seconds.map { flops / $0 / 1e9 }, seconds.map { bytes / $0 / 1e9 })
    }
}
