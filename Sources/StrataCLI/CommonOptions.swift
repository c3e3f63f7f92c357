import ArgumentParser

/// `--seed`: one option, one default, for every command that draws random numbers
/// (initialisation, shuffling, dropout, splits, negative sampling, token sampling).
///
/// ```swift
/// @OptionGroup var random: SeedOption
/// Tensor.manualSeed(random.seed)
/// ```
struct SeedOption: ParsableArguments {
    /// The default of every command (PyTorch's examples and Strata's tests use 42 too).
    static let defaultSeed: UInt64 = 42
    @Option(help: "Random seed for initialisation, shuffling, dropout and sampling.") var seed: UInt64 = SeedOption.defaultSeed
}

/// `--out DIR`: where a command writes its checkpoint and reports; by default
/// `runs/<command>-<model>`, created when missing.
struct OutputOption: ParsableArguments {
    @Option(help: "Output directory (default: runs/<command>-<model>).") var out: String?

    /// `--out`, or `runs/<name>` when it was not given.
    func directory(default name: String) -> String { out ?? "runs/\(name)" }
}

/// `--json PATH`: also write the command's final figures as one JSON object.
struct JSONOption: ParsableArguments {
    @Option(help: "Also write the final figures as JSON to this path.") var json: String?
}

/// `--step-log PATH` and `--bucket-mb MB`: the options of data-parallel training (under `mpirun`),
/// shared by the training commands.
struct DataParallelOptions: ParsableArguments {
    @Option(help: "Write every step's loss to this CSV file.") var stepLog: String?
    @Option(help: "Gradient bucket size in MB for data-parallel training under mpirun.") var bucketMb: Double = 25

    /// The bucket size in bytes.
    var bucketBytes: Int { Int(bucketMb * 1_048_576) }

    func validate() throws {
        try OptionCheck.double(bucketMb, "--bucket-mb", in: 0.001...4096)
    }
}
