import Foundation
import Strata

extension BenchCommand {
    /// `mpirun -np N strata bench allreduce`: in-place float32 allreduce (sum) of 4 KB to 256 MB,
    /// as nccl-tests reports it: bus bandwidth = size / time x 2(N-1)/N, time = the slowest
    /// rank's, each run after a barrier. Only rank 0 prints.
    func allreduce() throws -> BenchmarkReport {
        let distributed = try DistributedContext.start()
        let group = distributed.group
        guard group.worldSize > 1 else {
            throw UserFacingError("bench allreduce measures communication between processes: run it as mpirun -np 2 strata bench allreduce")
        }
        var report = BenchmarkReport(workload: "allreduce (\(group.worldSize) processes, \(group.backendDescription))")
        let factor = 2 * Double(group.worldSize - 1) / Double(group.worldSize)
        var buffer = [Float](repeating: 1, count: (256 << 20) / 4)
        var bytes = 4 << 10
        while bytes <= 256 << 20 {
            let count = bytes / 4
            let inner = Swift.max(1, Swift.min(50, (16 << 20) / bytes))   // about 16 MB per timed run
            var bandwidths: [Double] = []
            buffer.withUnsafeMutableBufferPointer { all in
                let part = UnsafeMutableBufferPointer(rebasing: all[0..<count])
                group.allReduce(part, .sum)   // warm-up
                for _ in 0..<runs {
                    group.barrier()
                    let seconds = Measure.seconds { for _ in 0..<inner { group.allReduce(part, .sum) } } / Double(inner)
                    let slowest = group.allReduce([seconds], .max)[0]
                    bandwidths.append(Double(bytes) / slowest * factor / 1e9)
                }
            }
            let label = bytes >= 1 << 20 ? "\(bytes >> 20) MB" : "\(bytes >> 10) KB"
            report.results.append(BenchmarkFigure(name: label, unit: "GB/s bus bandwidth", values: bandwidths))
            bytes *= 4
        }
        return report
    }
}
