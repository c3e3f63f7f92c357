import ArgumentParser
import Foundation
import Strata

/// `strata prune`: global magnitude pruning of an MNIST model with a gradual schedule and
/// fine-tuning that keeps the masks.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Prune an MNIST model's weights by global magnitude and fine-tune it.",
        discussion: """
            The weight matrices (not biases) of every layer share one magnitude threshold. The sparsity \
            rises as s_f (1 - (1 - t/T)^3) over the first half of the fine-tuning steps (Zhu & Gupta 2017), \
            pruning every 50 steps; after each step the masks are applied again, so pruned weights stay \
            exactly zero. With --fine-tune-epochs 0 the model is pruned at once. The output is a \
            checkpoint that 'strata evaluate' and 'predict' read.
            """)

    @Option(help: "A checkpoint.safetensors written by 'strata train mnist'.") var checkpoint: String
    @Option(help: "Fraction of the weights to zero, in [0, 1).") var sparsity: Double
    @Option(help: "Epochs of fine-tuning with the masks.") var fineTuneEpochs: Int = 2
    @Option(help: "Adam learning rate for fine-tuning.") var lr: Double = 5e-4
    @Option(help: "Samples per batch.") var batchSize: Int = 128
    @Option(help: "Directory with the dataset's IDX files (default: as in training).") var data: String?
    @Option(help: "Output directory.") var out: String
    @Option(help: "Random seed for shuffling.") var seed: UInt64 = 42
    @Option(help: "Write the figures as JSON to this path.") var json: String?

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
        let model = classifier.model
        let directory = try classifier.dataset.locate(data)
        let train = try MNIST.load(directory: directory, split: .train, normalization: classifier.normalization)
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: lr), metrics: [.accuracy])
        let loader = DataLoader(train, batchSize: batchSize, shuffle: true, seed: seed)
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

        var header = metadata
        header["pruned_sparsity"] = String(achieved)
        header["pruned_from"] = checkpoint
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let path = out + "/checkpoint.safetensors"
        try TrainingCheckpoint.save(trainer: trainer, metadata: header, to: path)
        let nonzero = pruning.targets.reduce(0) { $0 + $1.tensor.floats.filter { $0 != 0 }.count }
        print(String(format: "%@: %.1f%% of %d matrix weights are zero (%d remain) after %d fine-tuning epochs",
                     subject.modelName, achieved * 100, pruning.targets.reduce(0) { $0 + $1.tensor.count }, nonzero, fineTuneEpochs))
        printComparison(before: before, after: after)
        print("  wrote \(path)")
        if let json {
            try MetricsLog.writeResult([
                "model": JSONValue(subject.modelName), "sparsity": JSONValue(achieved), "nonzero_weights": JSONValue(nonzero),
                "parameters": JSONValue(model.parameterCount), "fine_tune_epochs": JSONValue(fineTuneEpochs),
                "file_bytes": JSONValue(fileSize(path)), "before": .object(before), "after": .object(after), "output": JSONValue(path),
            ], to: json)
        }
    }
}
