import Foundation
import Strata

extension BenchCommand {
    /// C = A·B in float32 for n = 256…2048 through `Tensor.matmul`, beside OpenBLAS called
    /// directly with its own threads in the same run.
    func gemm() -> BenchmarkReport {
        var report = BenchmarkReport(workload: "gemm")
        var reference: [BenchmarkFigure] = []
        for n in [256, 512, 1024, 2048] {
            var rng = RandomGenerator(seed: UInt64(n))
            let a = Tensor.uniform([n, n], generator: &rng), b = Tensor.uniform([n, n], generator: &rng)
            let flops = 2 * Double(n) * Double(n) * Double(n)
            let repeats = n >= 2048 ? Swift.max(3, runs / 2) : runs
            let times = Measure.repeated(runs: repeats) { _ = a.matmul(b) }
            report.results.append(BenchmarkFigure(name: "n=\(n)", unit: "GFLOP/s", values: times.map { flops / $0 / 1e9 }))
            if let direct = BLAS.timeDirectSGEMM(n: n, threads: Parallel.threadCount, repeats: repeats) {
                reference.append(BenchmarkFigure(name: "n=\(n)", unit: "GFLOP/s", values: direct.map { flops / $0 / 1e9 }))
            }
        }
        if !reference.isEmpty { report.reference = reference }
        return report
    }

    /// y = x · sigmoid(x) over 16M float32 values, and its gradient, in GB/s of memory traffic
    /// (the bytes of x read and y written, per the expression as a whole).
    func elementwise() -> BenchmarkReport {
        var report = BenchmarkReport(workload: "elementwise")
        let n = 1 << 24
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.normal([n], generator: &rng)
        let bytes = Double(2 * n * 4)
        let forward = Measure.repeated(runs: runs) { _ = withoutGradients { x * x.sigmoid() } }
        report.results.append(BenchmarkFigure(name: "x*sigmoid(x)", unit: "GB/s", values: forward.map { bytes / $0 / 1e9 }))
        let fused = Measure.repeated(runs: runs) { _ = withoutGradients { x.silu() } }
        report.results.append(BenchmarkFigure(name: "silu", unit: "GB/s", values: fused.map { bytes / $0 / 1e9 }))
        let leaf = x.copy()
        leaf.requiresGrad = true
        let backward = Measure.repeated(runs: runs) {
            leaf.grad = nil
            (leaf * leaf.sigmoid()).backward(Tensor.ones([n]))
        }
        report.results.append(BenchmarkFigure(name: "forward+backward", unit: "GB/s", values: backward.map { bytes / $0 / 1e9 }))
        return report
    }
}
