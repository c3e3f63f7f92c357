import Foundation
import Strata

extension BenchCommand {
    /// x · Wᵀ with GGML-quantised W (`QuantizedMatrix`) for SmolLM2-135M's shapes, rows x columns:
    /// Q4_1 576x1536 (ffn_down) and 1536x576 (ffn_up/gate), Q8_0 49152x576 (the tied output head).
    /// One token (`t1`, decoding) and 16 tokens (`t16`, prefill, batches), in GFLOP/s and in GB/s
    /// of weight bytes (`bw` figures; float32 bytes for the reference); `scalar` is the portable
    /// C kernel for one token. The reference is float32 x · Wᵀ of the same shape through `Tensor.matmul`
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
            // In panels of 16 rows, as models load them (`rows` figures: ggml's layout).
            let inRows = (0..<copyCount(bytes: q.byteCount)).compactMap { _ in
                try? QuantizedMatrix(type: type, rows: rows, columns: columns, data: encoded)
            }
            let quantized = inRows.map { $0.panelPacked() }
            let floats = (0..<copyCount(bytes: rows * columns * 4)).map { _ in weight.copy() }
            for tokens in [1, 16] {
                let x = Tensor.normal([tokens, columns], generator: &rng)
                let flops = 2 * Double(rows * columns * tokens)
                let name = "\(rows)x\(columns) t\(tokens)"
                var i = 0, j = 0
                let ours = rates(flops: flops, bytes: Double(q.byteCount)) {
                    _ = quantized[i % quantized.count].matmul(x); i += 1
                }
                let theirs = rates(flops: flops, bytes: Double(rows * columns * 4)) {
                    _ = Tensor.matmul(x, floats[j % floats.count], transposeB: true); j += 1
                }
                var r = 0
                let rowLayout = rates(flops: flops, bytes: Double(q.byteCount)) {
                    _ = inRows[r % inRows.count].matmul(x); r += 1
                }
                report.results.append(BenchmarkFigure(name: name, unit: "GFLOP/s", values: ours.gflops))
                report.results.append(BenchmarkFigure(name: name + " rows", unit: "GFLOP/s", values: rowLayout.gflops))
                report.results.append(BenchmarkFigure(name: name + " bw", unit: "GB/s", values: ours.gbps))
                reference.append(BenchmarkFigure(name: name, unit: "GFLOP/s", values: theirs.gflops))
                reference.append(BenchmarkFigure(name: name + " bw", unit: "GB/s", values: theirs.gbps))
                if tokens == 1 {
                    var k = 0
                    let scalar = rates(flops: flops, bytes: Double(q.byteCount)) {
                        _ = quantized[k % quantized.count].matmul(x, kernels: .scalar); k += 1
                    }
                    report.results.append(BenchmarkFigure(name: "scalar \(rows)x\(columns)", unit: "GFLOP/s", values: scalar.gflops))
                }
            }
        }
        report.results.append(smolLM2DecodingStep())
        report.reference = reference
        return report
    }

    /// The products of one decoding step of SmolLM2-135M, in ms: 30 layers of Q4_1 q, k, v, o
    /// (576x576, 192x576, 192x576, 576x576), gate and up (1536x576) and down (576x1536), then the
    /// Q8_0 49152x576 head: 98 MB of weights, streamed from memory as in the real model.
    private func smolLM2DecodingStep() -> BenchmarkFigure {
        var rng = RandomGenerator(seed: 135)
        func matrix(_ type: GGMLType, _ rows: Int, _ columns: Int) -> QuantizedMatrix {
            let w = Tensor.normal([rows, columns], std: 0.05, generator: &rng)
            guard let q = try? QuantizedMatrix.quantize(w, to: type) else { fatalError("qmatmul: cannot quantise to \(type)") }
            return q.panelPacked()
        }
        let layers = (0..<30).map { _ in
            [(576, 576), (192, 576), (192, 576), (576, 576), (1536, 576), (1536, 576), (576, 1536)].map { matrix(.q4_1, $0.0, $0.1) }
        }
        let head = matrix(.q8_0, 49152, 576)
        let hidden = Tensor.normal([1, 576], generator: &rng), wide = Tensor.normal([1, 1536], generator: &rng)
        let step = {
            for layer in layers {
                for m in layer { _ = m.matmul(m.columns == 576 ? hidden : wide) }
            }
            _ = head.matmul(hidden)
        }
        let seconds = Measure.repeated(runs: Swift.max(runs, 5), warmup: 2) { step() }
        return BenchmarkFigure(name: "smollm2 step", unit: "ms", values: seconds.map { $0 * 1000 }, higherIsBetter: false)
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
