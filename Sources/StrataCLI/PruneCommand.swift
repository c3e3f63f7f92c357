import ArgumentParser
import Foundation
import Strata

/// `strata prune`: global magnitude pruning of an MNIST model with a gradual schedule and
/// fine-tuning that keeps the masks, or (`--structured channels`) channel pruning of the CNN,
/// which makes its layers narrower.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Prune an MNIST model's weights by global magnitude and fine-tune it.",
        discussion: """
            The weight matrices (not biases) of every layer share one magnitude threshold. The sparsity \
            rises as s_f (1 - (1 - t/T)^3) over the first half of the fine-tuning steps (Zhu & Gupta 2017), \
            pruning every 50 steps; after each step the masks are applied again, so pruned weights stay \
            exactly zero. With --fine-tune-epochs 0 the model is pruned at once. The output is a \
            checkpoint that 'strata evaluate' and 'predict' read.

            --structured channels (cnn only) removes the --sparsity fraction of each convolution's \
            output channels, those whose filters have the smallest L1 norms (Li et al. 2017), with the \
            inputs they fed in the next layer, in one step; fine-tuning then retrains the narrower \
            network. The checkpoint records the new channel counts.
            """)

    /// What `--structured` removes.
    enum Structure: String, ExpressibleByArgument, CaseIterable { case channels }

    @Option(help: "A model directory written by 'strata train mnist' (or quantize, prune, distill).") var checkpoint: String
    @Option(help: "Fraction of the weights to zero (with --structured channels: of each convolution's channels), in [0, 1).")
    var sparsity: Double
    @Option(help: "Remove whole units instead of single weights: 'channels' (cnn).") var structured: Structure?
    @Option(help: "Epochs of fine-tuning with the masks.") var fineTuneEpochs: Int = 2
    @Option(help: "Adam learning rate for fine-tuning.") var lr: Double = 5e-4
    @Option(help: "Samples per batch.") var batchSize: Int = 128
    @Option(help: "Directory with the dataset's IDX files (default: as in training).") var data: String?
    @OptionGroup var output: OutputOption
    @OptionGroup var random: SeedOption
    @OptionGroup var report: JSONOption

    func validate() throws {
        try OptionCheck.int(fineTuneEpochs, "--fine-tune-epochs", in: 0...10_000)
        try OptionCheck.int(batchSize, "--batch-size", in: 1...65_536)
        try OptionCheck.double(lr, "--lr", in: 0...10, open: .lower)
    }

    func run() throws {
        // Checked here rather than in validate() so that it is one line and exit status 1.
        guard sparsity.isFinite, sparsity >= 0, sparsity < 1 else {
            throw UserFacingError("--sparsity must be in [0, 1), got \(sparsity)")
        }
        let subject = try CompressionSubject.open(checkpoint)
        guard case .image(let classifier, let metadata) = subject else {
            throw UserFacingError("\(checkpoint): 'strata prune' handles MNIST checkpoints (mlp, cnn); this is a \(subject.modelName) language model")
        }
        let before = try subject.measure(data: data)
        if structured == .channels {
            return try pruneChannels(classifier, subject: subject, metadata: metadata, before: before)
        }
        let model = classifier.model
        let directory = try classifier.dataset.locate(data)
        let train = try MNIST.load(directory: directory, split: .train, normalization: classifier.normalization)
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: lr), metrics: [.accuracy])
        let loader = DataLoader(train, batchSize: batchSize, shuffle: true, seed: random.seed)
        let totalSteps = fineTuneEpochs * loader.batchCount
        let pruning = MagnitudePruning(model: model, sparsity: sparsity, rampSteps: Swift.max(1, totalSteps / 2))
        if fineTuneEpochs == 0 {
            pruning.prune(to: sparsity)
        } else {
            _ = try trainer.fit(loader, epochs: fineTuneEpochs, callbacks: [pruning])
        }
        model.train(false)
        let after = try subject.measure(data: data)
        let achieved = pruning.sparsity

        var header = CompressionSubject.carried(metadata)
        header["pruned_sparsity"] = String(achieved)
        header["pruned_from"] = checkpoint
        let out = output.directory(default: "prune-\(subject.modelName)")
        try ImageClassifierCheckpoint.save(model, kind: classifier.kind, dataset: classifier.dataset,
                                           normalization: classifier.normalization, metadata: header, to: out)
        let path = CompressionSubject.weightsPath(out: out)
        let nonzero = pruning.targets.reduce(0) { $0 + $1.tensor.floats.filter { $0 != 0 }.count }
        print(String(format: "%@: %.1f%% of %d matrix weights are zero (%d remain) after %d fine-tuning epochs",
                     subject.modelName, achieved * 100, pruning.targets.reduce(0) { $0 + $1.tensor.count }, nonzero, fineTuneEpochs))
        printComparison(before: before, after: after)
        print("  wrote \(path)")
        if let json = report.json {
            try MetricsLog.writeResult([
                "model": JSONValue(subject.modelName), "sparsity": JSONValue(achieved), "nonzero_weights": JSONValue(nonzero),
                "parameters": JSONValue(model.parameterCount), "fine_tune_epochs": JSONValue(fineTuneEpochs),
                "file_bytes": JSONValue(fileSize(path)), "before": .object(before), "after": .object(after), "output": JSONValue(path),
            ], to: json)
        }
    }

    /// `--structured channels`: the narrower CNN, fine-tuned, written and measured.
    private func pruneChannels(_ classifier: ImageClassifierCheckpoint, subject: CompressionSubject,
                               metadata: [String: String], before: [String: JSONValue]) throws {
        guard let cnn = classifier.model as? ConvNet else {
            throw UserFacingError("\(checkpoint): --structured channels prunes the cnn's convolutions; this is an \(subject.modelName)")
        }
        let pruned = cnn.keepingChannels(fraction: 1 - sparsity)
        let directory = try classifier.dataset.locate(data)
        let train = try MNIST.load(directory: directory, split: .train, normalization: classifier.normalization)
        let trainer = Trainer(model: pruned, optimizer: Adam(pruned.parameters(), learningRate: lr), metrics: [.accuracy])
        if fineTuneEpochs > 0 {
            _ = try trainer.fit(DataLoader(train, batchSize: batchSize, shuffle: true, seed: random.seed), epochs: fineTuneEpochs)
        }
        pruned.train(false)
        var header = CompressionSubject.carried(metadata)
        header["pruned_channels"] = "\(cnn.config.channels.map(String.init).joined(separator: ",")) -> \(pruned.config.channels.map(String.init).joined(separator: ","))"
        header["pruned_from"] = checkpoint
        let out = output.directory(default: "prune-\(subject.modelName)")
        try ImageClassifierCheckpoint.save(pruned, kind: .cnn, dataset: classifier.dataset,
                                           normalization: classifier.normalization, metadata: header, to: out)
        let path = CompressionSubject.weightsPath(out: out)
        let after = try CompressionSubject.reopen(out: out, like: subject).measure(data: data)
        print("cnn: channels \(cnn.config.channels) -> \(pruned.config.channels), parameters \(cnn.parameterCount) -> \(pruned.parameterCount), after \(fineTuneEpochs) fine-tuning epochs")
        printComparison(before: before, after: after)
        print("  wrote \(path)")
        if let json = report.json {
            try MetricsLog.writeResult([
                "model": JSONValue(subject.modelName), "structured": JSONValue("channels"), "sparsity": JSONValue(sparsity),
                "channels_before": .array(cnn.config.channels.map { JSONValue($0) }),
                "channels_after": .array(pruned.config.channels.map { JSONValue($0) }),
                "parameters_before": JSONValue(cnn.parameterCount), "parameters": JSONValue(pruned.parameterCount),
                "fine_tune_epochs": JSONValue(fineTuneEpochs), "file_bytes_before": JSONValue(fileSize(checkpoint)),
                "file_bytes": JSONValue(fileSize(path)), "before": .object(before), "after": .object(after), "output": JSONValue(path),
            ], to: json)
        }
    }
}
