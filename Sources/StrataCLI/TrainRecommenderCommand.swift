import ArgumentParser
import Foundation
import Strata

/// `strata train recommender`: matrix factorisation, DeepFM or LightGCN on a ratings file,
/// with a held-out metric per epoch, a checkpoint (model + id maps) and an optional JSON result.
struct TrainRecommenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommender",
        abstract: "Train a recommender (mf, deepfm or lightgcn) on a ratings file.",
        discussion: """
        Reads MovieLens u.data, MovieLens ratings.csv or any user,item[,rating][,timestamp] file; \
        holds out part of it (--split), reports RMSE/MAE (mf, deepfm) or recall/NDCG@10 (lightgcn) \
        on the held-out part after every epoch, and writes --out/model.safetensors and --out/ids.json \
        for 'strata recommend' and 'strata predict-rating'. Trains through Trainer: --out also gets \
        training.safetensors (after every epoch; continue with --resume), metrics.csv and curves.svg. \
        Under 'mpirun -np N' it trains data-parallel: --batch-size stays the global batch, split over the \
        processes, and only rank 0 prints and writes files.
        """)

    @Option(help: "mf, deepfm or lightgcn.") var model: RecommenderKindArgument = .mf
    @Option(help: "The ratings file.") var ratings: String
    @Option(help: "movielens (tab-separated u.data) or csv (delimited, header detected); default: from the file name.")
    var format: RatingFormatArgument?
    @Option(help: "Embedding size (default: 64).") var factors: Int?
    @Option(help: "Epochs (default: mf 25, deepfm 15, lightgcn 40).") var epochs: Int?
    @Option(help: "Learning rate (default: mf 2e-3, deepfm 2e-3, lightgcn 5e-3).") var lr: Double?
    @Option(help: "Per-sample L2 on the embeddings a batch uses (default: mf and deepfm 0.12, lightgcn 1e-4).") var l2: Double?
    @Option(help: "Samples per batch (default: mf 512, deepfm 512, lightgcn 2048).") var batchSize: Int?
    @Option(help: "adam or sgd (momentum 0.9).") var optimizer: OptimizerArgument = .adam
    @Option(help: "random (shuffled), leave-last (each user's latest by timestamp) or per-user (a fraction of each user's).")
    var split: SplitArgument = .random
    @Option(help: "Held-out fraction for the random and per-user splits.") var testFraction = 0.2
    @OptionGroup var output: OutputOption
    @OptionGroup var random: SeedOption
    @OptionGroup var report: JSONOption
    @OptionGroup var parallel: DataParallelOptions
    @Option(help: "deepfm: rating (MSE) or click (binary: rating >= --click-threshold).") var target: DeepFM.Target = .rating
    @Option(help: "deepfm clicks: ratings at or above this count as clicks.") var clickThreshold: Float = 4
    @Option(help: "deepfm: categorical user attributes, id first (e.g. MovieLens u.user).") var userFeatures: String?
    @Option(help: "deepfm: categorical item attributes, id first.") var itemFeatures: String?
    @Option(help: "deepfm: MLP hidden widths, comma-separated ('none' for a plain factorisation machine).") var hidden = "64,32"
    @Option(help: "lightgcn: propagation layers.") var layers = 3
    @Option(help: "Continue from this training checkpoint (training.safetensors, or the --out directory of a previous run with the same options); --epochs counts the epochs it holds.")
    var resume: String?

    func validate() throws {
        guard testFraction > 0 && testFraction < 1 else { throw ValidationError("--test-fraction must be between 0 and 1, got \(testFraction)") }
        try OptionCheck.int(factors, "--factors", in: 1...4096)
        try OptionCheck.int(epochs, "--epochs", in: 1...100_000)
        try OptionCheck.int(batchSize, "--batch-size", in: 1...1_048_576)
        try OptionCheck.int(layers, "--layers", in: 1...16)
        try OptionCheck.double(lr, "--lr", in: 0...10, open: .lower)
        try OptionCheck.double(l2, "--l2", in: 0...100)
        try OptionCheck.float(clickThreshold, "--click-threshold", in: -1e9...1e9)
        guard hiddenWidths != nil else { throw ValidationError("--hidden must be positive integers separated by commas, or 'none'; got '\(hidden)'") }
        if (userFeatures != nil || itemFeatures != nil) && model != .deepfm {
            throw ValidationError("--user-features and --item-features are for --model deepfm")
        }
    }

    func run() throws {
        try RecommenderCommandSupport.userFacing { try train() }
    }

    private func train() throws {
        let defaults = TrainingOptions.defaults(for: model.kind)
        let options = TrainingOptions(epochs: epochs ?? defaults.options.epochs, batchSize: batchSize ?? defaults.options.batchSize,
                                      learningRate: lr ?? defaults.options.learningRate, l2: l2 ?? defaults.options.l2,
                                      optimizer: optimizer.kind, seed: random.seed)
        let distributed = try DistributedContext.start()
        let out = output.directory(default: "recommender-\(model.rawValue)")
        print("Strata \(strataVersion) · \(Parallel.threadCount) threads")
        if let banner = distributed.banner { print(banner) }
        let table = try RatingTable.read(path: ratings, format: format?.format)
        reportSkipped(table.skipped)
        let (train, test) = try table.split(split.split(fraction: testFraction, seed: random.seed))
        guard !train.ratings.isEmpty else { throw UserFacingError("\(ratings): the split left no training ratings") }
        guard !test.ratings.isEmpty else {
            throw UserFacingError("\(ratings): \(table.ratings.count) rating\(table.ratings.count == 1 ? "" : "s") are too few to hold out any at --test-fraction \(testFraction); give more ratings or a larger fraction")
        }
        print("\(ratings): \(table.ratings.count) ratings · \(table.users.count) users · \(table.items.count) items · "
              + "\(train.ratings.count) training, \(test.ratings.count) held out (\(split.rawValue) split)")

        Tensor.manualSeed(random.seed)
        let factors = self.factors ?? defaults.factors
        let recommender = try makeModel(table: table, train: train, factors: factors)
        print("\(model.rawValue): \(recommender.parameterCount) parameters · \(options.epochs) epochs · batch \(options.batchSize) · "
              + "\(optimizer.rawValue) lr \(options.learningRate) · l2 \(options.l2)")
        let training: RecommenderTrainer
        switch recommender {
        case let m as MatrixFactorization: training = m.training(on: train, validation: test, options: options)
        case let m as DeepFM: training = m.training(on: train, validation: test, clickThreshold: clickThreshold, options: options)
        case let m as LightGCN: training = m.training(on: train, validation: test, options: options)
        default: ensureFailure("unknown model \(type(of: recommender))")
        }
        try training.distribute(over: distributed.group, bucketBytes: parallel.bucketBytes)
        training.trainer.verbose = distributed.isMain
        // Only rank 0 writes files; every rank restores a --resume checkpoint.
        if distributed.isMain { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
        let metadata = ["model": model.rawValue, "training": try settingsJSON(factors: factors, options: options)]
        if let resume {
            let checkpoint = try TrainingResume.restore(resume, file: Self.trainingFile, into: training.trainer, matching: metadata,
                                                        keys: ["model", "training"])
            print("Resumed from \(checkpoint.path) after epoch \(checkpoint.epoch)")
        }
        let started = Date()
        var callbacks: [Callback] = []
        if distributed.isMain {
            callbacks = [
                ModelCheckpoint(path: "\(out)/\(Self.trainingFile)", metadata: metadata),
                MetricsLogger(path: "\(out)/metrics.csv"),
                TrainingCurvesWriter(path: "\(out)/curves.svg", title: "\(model.rawValue) on \(URL(fileURLWithPath: ratings).lastPathComponent)"),
            ]
            if let stepLog = parallel.stepLog { callbacks.append(StepLossLogger(path: stepLog)) }
        }
        try training.fit(callbacks: callbacks)
        let seconds = Date().timeIntervalSince(started)
        if distributed.isMain { try RecommenderCheckpoint.save(recommender, data: table, to: out) }
        let final = training.lastValidation
        print("Held-out: " + final.keys.sorted().map { String(format: "%@ %.4f", $0, final[$0]!) }.joined(separator: " · ")
              + String(format: " · trained in %.1f s", seconds))
        var baseline: RankingMetrics?
        if model == .lightgcn {
            baseline = RankingMetrics.popularityBaseline(train: train, test: test, k: 10)
            print(String(format: "Most-popular baseline: recall_at_10 %.4f · ndcg_at_10 %.4f", baseline!.recall, baseline!.ndcg))
        }
        print("Saved \(out)/model.safetensors, \(out)/ids.json, \(out)/\(Self.trainingFile), \(out)/metrics.csv, \(out)/curves.svg")
        if let json = report.json, distributed.isMain {
            let history = training.trainer.history
            var result: [String: JSONValue] = [
                "epochs": JSONValue(training.trainer.epoch), "model": JSONValue(model.rawValue), "ratings_file": JSONValue(ratings),
                "train_ratings": JSONValue(train.ratings.count), "test_ratings": JSONValue(test.ratings.count),
                "train_seconds": JSONValue(seconds), "split": JSONValue(split.rawValue), "checkpoint": JSONValue(out),
                "factors": JSONValue(factors), "learning_rate": JSONValue(options.learningRate),
                "l2": JSONValue(options.l2), "batch_size": JSONValue(options.batchSize), "seed": JSONValue(Int(random.seed)),
                "world_size": JSONValue(distributed.worldSize),
                // Every epoch's training loss and held-out figures (a resumed run's include the run it continues).
                "history": .array((0..<history.epochs).map { e in
                    var row: [String: JSONValue] = ["epoch": JSONValue(e + 1), "loss": JSONValue(history["loss"][e])]
                    for (key, values) in history.values where key.hasPrefix("val_") && values.count == history.epochs {
                        row[String(key.dropFirst(4))] = JSONValue(values[e])
                    }
                    return .object(row)
                }),
            ]
            for (name, value) in final { result[name] = JSONValue(value) }
            for (name, value) in baseline?.named ?? [:] { result["popularity_" + name] = JSONValue(value) }
            try MetricsLog.writeResult(result, to: json)
            print("Wrote \(json)")
        }
    }

    /// The run's state for `--resume`, beside the model.
    static let trainingFile = ModelDirectory.trainingFile

    /// The options a resumed run must share with the run it continues (all but --epochs and
    /// --out), as sorted JSON for the training checkpoint's metadata.
    private func settingsJSON(factors: Int, options: TrainingOptions) throws -> String {
        let settings: [String: String] = [
            "ratings": ratings, "format": format?.rawValue ?? "auto", "split": split.rawValue, "test_fraction": String(testFraction),
            "factors": String(factors), "batch_size": String(options.batchSize), "lr": String(options.learningRate),
            "l2": String(options.l2), "optimizer": optimizer.rawValue, "seed": String(random.seed), "target": target.rawValue,
            "click_threshold": String(clickThreshold), "hidden": hidden, "layers": String(layers),
            "user_features": userFeatures ?? "", "item_features": itemFeatures ?? "",
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(settings), as: UTF8.self)
    }

    private func makeModel(table: RatingTable, train: RatingTable, factors: Int) throws -> Recommender {
        let (users, items) = (table.users.count, table.items.count)
        switch model {
        case .mf:
            return MatrixFactorization(.init(users: users, items: items, factors: factors), globalMean: train.meanRating)
        case .lightgcn:
            return LightGCN(.init(users: users, items: items, factors: factors, layers: layers))
        case .deepfm:
            let userSide = try userFeatures.map { try SideFeatures.read(path: $0, ids: table.users) }
            let itemSide = try itemFeatures.map { try SideFeatures.read(path: $0, ids: table.items) }
            reportSkipped((userSide?.skipped ?? []) + (itemSide?.skipped ?? []))
            let config = DeepFM.Config(users: users, items: items, factors: factors, hidden: hiddenWidths ?? [], target: target,
                                       userFieldSizes: userSide?.fieldSizes ?? [], itemFieldSizes: itemSide?.fieldSizes ?? [])
            return DeepFM(config, globalMean: train.meanRating, userFeatures: userSide, itemFeatures: itemSide)
        }
    }

    /// The `--hidden` widths, or nil when the option is malformed.
    private var hiddenWidths: [Int]? {
        if hidden == "none" { return [] }
        return OptionCheck.sizes(hidden, in: 1...Int.max)
    }

    /// Names the first skipped rows (file and line) on standard error, and how many there were.
    private func reportSkipped(_ rows: [SkippedRow]) {
        guard !rows.isEmpty else { return }
        var lines = rows.prefix(5).map { "warning: skipped \($0)\n" }
        if rows.count > 5 { lines.append("warning: skipped \(rows.count) rows in all\n") }
        FileHandle.standardError.write(Data(lines.joined().utf8))
    }
}

/// `--model`.
enum RecommenderKindArgument: String, ExpressibleByArgument, CaseIterable {
    case mf, deepfm, lightgcn

    var kind: RecommenderKind {
        switch self {
        case .mf: return .matrixFactorization
        case .deepfm: return .deepFM
        case .lightgcn: return .lightGCN
        }
    }
}

enum RatingFormatArgument: String, ExpressibleByArgument, CaseIterable {
    case movielens, csv
    var format: RatingFormat { self == .movielens ? .movieLens : .csv }
}

enum OptimizerArgument: String, ExpressibleByArgument, CaseIterable {
    case adam, sgd
    var kind: TrainingOptions.OptimizerKind { self == .adam ? .adam : .sgd }
}

enum SplitArgument: String, ExpressibleByArgument, CaseIterable {
    case random, leaveLast = "leave-last", perUser = "per-user"

    func split(fraction: Double, seed: UInt64) -> RatingSplit {
        switch self {
        case .random: return .random(testFraction: fraction, seed: seed)
        case .leaveLast: return .leaveLastOut
        case .perUser: return .perUser(testFraction: fraction, seed: seed)
        }
    }
}

extension DeepFM.Target: ExpressibleByArgument {}
