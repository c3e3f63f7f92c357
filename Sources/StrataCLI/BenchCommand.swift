import ArgumentParser
import Foundation
import Strata

/// `strata bench NAME`: the benchmark workloads listed in the README (and in `strata bench --help`).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark workload and print its figures.",
        discussion: "Workloads: \(BenchCommand.workloads.keys.sorted().joined(separator: ", "))")

    static let workloads: [String: @Sendable (BenchCommand) throws -> BenchmarkReport] = [
        "gemm": { $0.gemm() },
        "elementwise": { $0.elementwise() },
        "mlp-mnist": { $0.mlpMNIST() },
        "cnn-mnist": { $0.cnnMNIST() },
        "lstm-charlm": { $0.lstmCharLM() },
        "gpt-char": { $0.gptChar() },
        "gpt2-generate": { $0.gpt2Generate() },
        "gpt2-generate-quantized": { try $0.gpt2GenerateQuantized() },
        "mlp-mnist-int8": { try $0.mlpMNISTInt8() },
        "mf-recsys": { $0.mfRecsys() },
        "fused": { $0.fused() },
        "qmatmul": { $0.qmatmul() },
        "minilm-embed": { $0.minilmEmbed() },
        "smollm2-generate": { try $0.smolLM2Generate() },
        "smollm2-batch": { try $0.smolLM2Batch() },
        "allreduce": { try $0.allreduce() },
    ]

    @Argument(help: "The workload to run.") var name: String
    @Option(help: "Write the figures as JSON to this path.") var json: String?
    @Option(help: "Measured runs per figure.") var runs: Int = 5

    func run() throws {
        guard let workload = Self.workloads[name] else {
            throw ValidationError("unknown workload '\(name)'; choose one of: \(Self.workloads.keys.sorted().joined(separator: ", "))")
        }
        var report = try workload(self)
        report.peak_rss_mb = Measure.peakResidentMB()   // before the next line, which may load OpenBLAS
        report.blas = BLAS.description
        report.printTable()
        if let json {
            try report.write(json: json)
            print("wrote \(json)")
        }
    }
}
