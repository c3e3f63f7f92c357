import Foundation
import Strata

/// One measured figure of a benchmark: median and best over several runs.
struct BenchmarkFigure: Encodable {
    let name: String
    let unit: String
    let median: Double
    let best: Double
    let runs: Int

    /// Builds a figure from per-run values; `higherIsBetter` picks what "best" means.
    init(name: String, unit: String, values: [Double], higherIsBetter: Bool = true) {
        let sorted = values.sorted()
        self.name = name
        self.unit = unit
        median = sorted.isEmpty ? .nan : (sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2)
        best = (higherIsBetter ? sorted.last : sorted.first) ?? .nan
        runs = values.count
    }
}

/// A benchmark's report, in the JSON shape `strata bench --json` writes.
struct BenchmarkReport: Encodable {
    let workload: String
    let strata_version = strataVersion
    let threads = Parallel.threadCount
    /// Set by `strata bench` after the peak is read: describing the BLAS library loads it.
    var blas = ""
    var peak_rss_mb = 0.0
    var results: [BenchmarkFigure] = []
    /// The same workload done by a reference (e.g. OpenBLAS called directly), measured in the same run.
    var reference: [BenchmarkFigure]?

    init(workload: String) { self.workload = workload }

    /// Prints a table: name, median, best, and the ratio to the reference when there is one.
    func printTable() {
        print("\(workload)  (Strata \(strata_version), \(threads) threads, \(blas))")
        for r in results {
            var line = "  \(r.name.padding(toLength: 18, withPad: " ", startingAt: 0))"
                + String(format: "median %10.1f  best %10.1f  %@", r.median, r.best, r.unit)
            if let ref = reference?.first(where: { $0.name == r.name }) {
                line += String(format: "   reference %8.1f  ratio %.3f", ref.median, r.median / ref.median)
            }
            print(line)
        }
        print(String(format: "  peak memory %.1f MB", peak_rss_mb))
    }

    /// Writes the report as JSON (sorted keys, atomically).
    func write(json path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: path)
    }
}

enum Measure {
    /// Seconds taken by `body`.
    static func seconds(_ body: () -> Void) -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    /// Runs `body` `warmup` times unmeasured, then `runs` times; returns the seconds of each run.
    static func repeated(runs: Int, warmup: Int = 1, _ body: () -> Void) -> [Double] {
        for _ in 0..<warmup { body() }
        return (0..<runs).map { _ in seconds(body) }
    }

    /// The process's peak resident memory in MiB: getrusage's `ru_maxrss` (KiB on Linux, the
    /// same figure as VmHWM in /proc/self/status, and what the peers' scripts read). A system
    /// call rather than parsing /proc text, so that measuring touches no new code pages.
    static func peakResidentMB() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return Double(usage.ru_maxrss) / 1024
    }
}
