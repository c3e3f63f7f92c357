import Foundation
import Strata

extension BenchCommand {
    /// C = A·B in float32 for n = 256…2048 through `Tensor.matmul`, beside OpenBLAS called
    /// directly with its own threads. The two alternate run by run, and each run repeats the
    /// product for about 50 ms, so that both see the same (shared, noisy) machine.
    func gemm() -> BenchmarkReport {
        var report = BenchmarkReport(workload: "gemm")
        var reference: [BenchmarkFigure] = []
        for n in [256, 512, 1024, 2048] {
            var rng = RandomGenerator(seed: UInt64(n))
            let a = Tensor.uniform([n, n], generator: &rng), b = Tensor.uniform([n, n], generator: &rng)
            let flops = 2 * Double(n) * Double(n) * Double(n)
            let strata = { _ = a.matmul(b) }
            let direct = BLAS.directSGEMM(n: n)
            let once = Measure.seconds(strata) + Measure.seconds(strata)
            let inner = Swift.max(1, Int(0.05 / Swift.max(once / 2, 1e-6)))
            var ours: [Double] = [], theirs: [Double] = []
            direct?()
            for _ in 0..<runs {
                ours.append(flops * Double(inner) / Measure.seconds { for _ in 0..<inner { strata() } } / 1e9)
                if let direct { theirs.append(flops * Double(inner) / Measure.seconds { for _ in 0..<inner { direct() } } / 1e9) }
            }
            report.results.append(BenchmarkFigure(name: "n=\(n)", unit: "GFLOP/s", values: ours))
            if !theirs.isEmpty { reference.append(BenchmarkFigure(name: "n=\(n)", unit: "GFLOP/s", values: theirs)) }
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
