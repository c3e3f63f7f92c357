import ArgumentParser
import Foundation
import Strata

/// `strata train ...`: the training jobs.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a model.",
        subcommands: [TrainMNISTCommand.self, TrainLMCommand.self, TrainRecommenderCommand.self])
}

/// `strata train mnist`: an MLP or CNN on MNIST or Fashion-MNIST, with progress, a checkpoint
/// per epoch, a metrics log and training curves, then a test-set evaluation.
struct TrainMNISTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnist",
        abstract: "Train an image classifier on MNIST (shipped with Strata) or Fashion-MNIST.",
        discussion: """
        Writes to --out, after every epoch: model.safetensors and config.json (the model), \
        training.safetensors (resume with --resume DIR), metrics.csv and curves.svg; then \
        evaluates on the test set.
        """)

    @Option(help: "mlp or cnn.") var model: ImageModelKind = .mlp
    @Option(help: "Epochs (default: 10 for mlp, 4 for cnn).") var epochs: Int?
    @Option(help: "Samples per batch.") var batchSize = 128
    @Option(help: "adam, adamw, sgd, rmsprop or adagrad.") var optimizer: OptimizerKind = .adam
    @Option(help: "Learning rate (default: 1e-3; 0.05 for sgd).") var lr: Double?
    @Option(help: "Learning-rate schedule over the run: cosine (decay to 1% per step), step (x0.1 at 1/2 and 3/4 of the epochs) or constant.")
    var schedule: ScheduleKind = .cosine
    @Option(help: "mnist or fashion-mnist.") var dataset: ImageDatasetKind = .mnist
    @Option(help: "Directory with the IDX files (default: the copy shipped with Strata, or the Debian package for Fashion-MNIST).") var data: String?
    @OptionGroup var output: OutputOption
    @Option(help: "Continue from a previous run: its --out directory (or its training.safetensors; a checkpoint.safetensors of format 1 also resumes).") var resume: String?
    @Option(help: "Fraction of the training set held out for validation.") var validationSplit = 0.1
    @OptionGroup var random: SeedOption
    @OptionGroup var report: JSONOption
    @Option(help: "Dropout (default: the model's, 0.2 for mlp and 0.25 for cnn).") var dropout: Double?
    @OptionGroup var parallel: DataParallelOptions

    func validate() throws {
        try OptionCheck.int(epochs, "--epochs", in: 1...100_000)
        try OptionCheck.int(batchSize, "--batch-size", in: 1...65_536)
        try OptionCheck.double(lr, "--lr", in: 0...10, open: .lower)
        try OptionCheck.double(validationSplit, "--validation-split", in: 0...1, open: .upper)
        try OptionCheck.double(dropout, "--dropout", in: 0...1, open: .upper)
    }

    func run() throws {
        let epochs = self.epochs ?? model.defaultEpochs
        let distributed = try DistributedContext.start()
        let ranks = distributed.worldSize, rank = distributed.group.rank
        guard batchSize % ranks == 0 else {
            throw UserFacingError("--batch-size \(batchSize) is the global batch and must divide evenly over the \(ranks) processes")
        }
        let out = output.directory(default: "\(dataset.rawValue)-\(model.rawValue)")
        if distributed.isMain { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
        let directory = try dataset.locate(data)
        print("Strata \(strataVersion) · \(Parallel.threadCount) threads · GEMM: \(BLAS.description)")
        if let banner = distributed.banner { print(banner) }
        print("Loading \(dataset.rawValue) from \(directory)")
        let full = try dataset.load(directory: directory, split: .train)
        let test = try dataset.load(directory: directory, split: .test)
        let (train, validation) = validationSplit > 0 ? full.split(validationFraction: validationSplit) : (full, nil)

        Tensor.manualSeed(random.seed)
        let network = model.make(dropout: dropout)
        // Rank 0's initial weights are broadcast; the other ranks draw their own dropout masks.
        if rank > 0 { Tensor.manualSeed(random.seed &+ UInt64(rank)) }
        let optimizer = self.optimizer.make(network.parameters(), learningRate: lr)
        let trainer = Trainer(model: network, optimizer: optimizer, metrics: [.accuracy])
        trainer.distribute(over: distributed.group, bucketBytes: parallel.bucketBytes)
        trainer.verbose = distributed.isMain
        let checkpointPath = "\(out)/\(ModelDirectory.trainingFile)"
        var metadata = ["model": model.rawValue, "dataset": dataset.rawValue,
                        "normalization_mean": String(dataset.normalization.mean), "normalization_std": String(dataset.normalization.std),
                        "optimizer": self.optimizer.rawValue, "seed": String(random.seed), "batch_size": String(batchSize),
                        "schedule": schedule.rawValue]
        metadata["model_config"] = model.configJSON(network)
        if let resume {
            let checkpoint = try TrainingCheckpoint.load(path: TrainingResume.file(resume, named: ModelDirectory.trainingFile,
                                                                                    formerly: ImageClassifierCheckpoint.formatOneFile))
            guard checkpoint.metadata["model"] == model.rawValue else {
                throw UserFacingError("\(resume): checkpoint is for model '\(checkpoint.metadata["model"] ?? "?")', not '\(model.rawValue)'")
            }
            try checkpoint.restore(into: trainer)
            print("Resumed from \(resume) after epoch \(checkpoint.epoch)")
        }
        print("\(model.rawValue): \(network.parameterCount) parameters · \(train.count) training, \(validation?.count ?? 0) validation, \(test.count) test images")

        // --batch-size is the global batch: each of the processes takes its share of every batch.
        let loader = DataLoader(train, batchSize: batchSize / ranks, shuffle: true, seed: random.seed, rank: rank, worldSize: ranks)
        let validationLoader = validation.map { DataLoader($0, batchSize: 1000, rank: rank, worldSize: ranks) }
        // Every rank follows the schedule; only rank 0 writes files.
        var callbacks: [Callback] = [schedule.callback(base: optimizer.learningRate, epochs: epochs, stepsPerEpoch: loader.globalBatchCount)]
        if distributed.isMain {
            callbacks += [
                ModelCheckpoint(path: checkpointPath, metadata: metadata),
                ImageModelSaver(directory: out, kind: model, dataset: dataset),
                MetricsLogger(path: "\(out)/metrics.csv"),
                TrainingCurvesWriter(path: "\(out)/curves.svg", title: "\(dataset.rawValue) \(model.rawValue)"),
            ]
            if let stepLog = parallel.stepLog { callbacks.append(StepLossLogger(path: stepLog)) }
        }
        let started = Date()
        try trainer.fit(loader, epochs: epochs, validation: validationLoader, callbacks: callbacks)
        let seconds = Date().timeIntervalSince(started)
        let scores = trainer.evaluate(DataLoader(test, batchSize: 1000, rank: rank, worldSize: ranks))
        let testAccuracy = scores["accuracy"] ?? .nan, testLoss = scores["loss"] ?? .nan
        print(String(format: "Test accuracy %.2f%% · test loss %.4f · trained %d epochs in %.1f s", testAccuracy * 100, testLoss, trainer.epoch, seconds))
        let exchangeSeconds = trainer.dataParallel?.communicationSeconds ?? 0
        if ranks > 1 { print(String(format: "Gradient exchange (allreduce, waits included): %.2f s, %.0f%% of the training time", exchangeSeconds, 100 * exchangeSeconds / seconds)) }
        print("Saved \(out)/\(ModelDirectory.weightsFile), \(checkpointPath), \(out)/metrics.csv, \(out)/curves.svg")
        if let json = report.json, distributed.isMain {
            let epochSeconds = trainer.history["seconds"]
            let samplesPerSecond = epochSeconds.isEmpty ? 0 : Double(train.count) * Double(epochSeconds.count) / epochSeconds.reduce(0, +)
            try MetricsLog.writeResult([
                "test_accuracy": JSONValue(testAccuracy), "test_loss": JSONValue(testLoss), "epochs": JSONValue(trainer.epoch),
                "train_seconds": JSONValue(seconds), "samples_per_second": JSONValue(samplesPerSecond),
                "model": JSONValue(model.rawValue), "dataset": JSONValue(dataset.rawValue),
                "checkpoint": JSONValue(out), "world_size": JSONValue(ranks),
                "exchange_seconds": JSONValue(exchangeSeconds),
            ], to: json)
            print("Wrote \(json)")
        }
    }
}

/// Writes the model in the ``ModelDirectory`` layout after every epoch, beside the training state.
final class ImageModelSaver: Callback {
    let directory: String, kind: ImageModelKind, dataset: ImageDatasetKind

    init(directory: String, kind: ImageModelKind, dataset: ImageDatasetKind) {
        self.directory = directory; self.kind = kind; self.dataset = dataset
    }

    override func epochEnded(_ epoch: Int, logs: [String: Double], trainer: Trainer) throws {
        try ImageClassifierCheckpoint.save(trainer.model, kind: kind, dataset: dataset, to: directory)
    }
}

extension ImageModelKind: ExpressibleByArgument {
    var defaultEpochs: Int { self == .mlp ? 10 : 4 }

    /// The default model, with `dropout` when given (the default configuration always validates).
    func make(dropout: Double? = nil) -> Module { try! make(configJSON: nil, dropout: dropout) }
}

extension ImageDatasetKind: ExpressibleByArgument {}

/// Learning-rate schedules selectable on the command line.
enum ScheduleKind: String, ExpressibleByArgument, CaseIterable {
    case cosine, step, constant

    func callback(base: Double, epochs: Int, stepsPerEpoch: Int) -> LearningRateScheduler {
        switch self {
        case .cosine:
            return LearningRateScheduler(CosineAnnealingLR(base: base, period: Swift.max(1, epochs * stepsPerEpoch), minimum: base / 100), perStep: true)
        case .step:
            return LearningRateScheduler(MultiStepLR(base: base, milestones: [epochs / 2, epochs * 3 / 4], gamma: 0.1))
        case .constant:
            return LearningRateScheduler(ConstantLR(base))
        }
    }
}

/// The optimizers selectable on the command line.
enum OptimizerKind: String, ExpressibleByArgument, CaseIterable {
    case adam, adamw, sgd, rmsprop, adagrad

    func make(_ parameters: [Tensor], learningRate: Double?) -> Optimizer {
        switch self {
        case .adam: return Adam(parameters, learningRate: learningRate ?? 1e-3)
        case .adamw: return AdamW(parameters, learningRate: learningRate ?? 1e-3)
        case .sgd: return SGD(parameters, learningRate: learningRate ?? 0.05, momentum: 0.9, nesterov: true)
        case .rmsprop: return RMSProp(parameters, learningRate: learningRate ?? 1e-3)
        case .adagrad: return Adagrad(parameters, learningRate: learningRate ?? 1e-2)
        }
    }
}
