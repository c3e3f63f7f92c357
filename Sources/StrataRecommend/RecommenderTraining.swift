import StrataCore
import StrataNN
import StrataOptim
import StrataData
import StrataTrain
import StrataDistributed

/// How a recommender is trained (through ``RecommenderTrainer``, a configuration of `Trainer`).
///
/// ```swift
/// let options = TrainingOptions(epochs: 20, batchSize: 512, learningRate: 2e-3, l2: 0.05)
/// let history = try mf.fit(train, validation: test, options: options)
/// ```
public struct TrainingOptions: Sendable, Equatable {
    public enum OptimizerKind: String, Sendable, CaseIterable { case adam, sgd }

    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    /// Per-sample L2 penalty on the embedding rows (and biases) a batch touches.
    public var l2: Double
    public var optimizer: OptimizerKind
    /// Seeds shuffling and negative sampling (initialisation draws from the global generator, `Tensor.manualSeed`).
    public var seed: UInt64

    public init(epochs: Int = 20, batchSize: Int = 512, learningRate: Double = 2e-3, l2: Double = 0.05,
                optimizer: OptimizerKind = .adam, seed: UInt64 = 42) {
        self.epochs = epochs; self.batchSize = batchSize; self.learningRate = learningRate; self.l2 = l2
        self.optimizer = optimizer; self.seed = seed
    }

    /// The defaults of `strata train recommender` for each model (Adam; seed 42), with the
    /// embedding size. Matrix factorisation's and DeepFM's were tuned on a synthetic
    /// MovieLens-100K-shaped file (80/20 random split); LightGCN's follow the paper's BPR
    /// setting with a larger learning rate for fewer epochs.
    ///
    /// ```swift
    /// let (options, factors) = TrainingOptions.defaults(for: .matrixFactorization)   // 25 epochs, batch 512, lr 2e-3, l2 0.12; 64
    /// ```
    public static func defaults(for kind: RecommenderKind) -> (options: TrainingOptions, factors: Int) {
        switch kind {
        case .matrixFactorization: return (TrainingOptions(epochs: 25, batchSize: 512, learningRate: 2e-3, l2: 0.12), 64)
        case .deepFM: return (TrainingOptions(epochs: 15, batchSize: 512, learningRate: 2e-3, l2: 0.12), 64)
        case .lightGCN: return (TrainingOptions(epochs: 40, batchSize: 2048, learningRate: 5e-3, l2: 1e-4), 64)
        }
    }

    /// The optimizer over `parameters` (SGD uses momentum 0.9).
    public func makeOptimizer(_ parameters: [Tensor]) -> Optimizer {
        switch optimizer {
        case .adam: return Adam(parameters, learningRate: learningRate)
        case .sgd: return SGD(parameters, learningRate: learningRate, momentum: 0.9)
        }
    }
}

/// A recommender's training as a configuration of the one loop, ``Trainer``: the training
/// interactions as shuffled batches (``RatingBatches``), the model's loss with its per-sample L2
/// as the trainer's `trainStep`, and the held-out figures as its `epochValidation` (logged as
/// `val_rmse`, `val_recall_at_10`, ...). Checkpoints of `trainer` (``ModelCheckpoint``) resume
/// exactly: they hold the weights, the optimizer, the batch and negative-sampling generators and
/// the global generator (DeepFM's dropout).
///
/// ```swift
/// let training = mf.training(on: train, validation: test, options: TrainingOptions.defaults(for: .matrixFactorization).options)
/// try training.fit(callbacks: [ModelCheckpoint(path: "runs/mf/training.safetensors")])
/// print(training.lastValidation["rmse"]!)
/// ```
public final class RecommenderTrainer {
    public let model: Recommender
    public let options: TrainingOptions
    /// The loop, its optimizer and progress (`verbose` is off; the command line turns it on).
    public let trainer: Trainer
    /// The training interactions, shuffled from `options.seed`.
    public let batches: RatingBatches

    /// A trainer whose step is `step` (outputs and loss of a batch) and whose epoch-end
    /// validation is `validation`, with the optimizer of `options` over the model's parameters.
    init(model: Recommender, options: TrainingOptions, batches: RatingBatches, forward: @escaping (Tensor) -> Tensor,
         loss: @escaping (Tensor, Tensor) -> Tensor, step: @escaping (Batch) -> (outputs: Tensor, loss: Tensor),
         validation: (() -> [String: Double])?) {
        self.model = model
        self.options = options
        self.batches = batches
        trainer = Trainer(model: model, forward: forward, optimizer: options.makeOptimizer(model.parameters()), loss: loss, metrics: [])
        trainer.verbose = false
        trainer.trainStep = step
        trainer.epochValidation = validation
    }

    /// Trains until `options.epochs` epochs are complete (counting those of a restored
    /// checkpoint) or a callback stops it; returns the history (`loss`, `val_...`, `seconds`).
    @discardableResult
    public func fit(callbacks: [Callback] = []) throws -> History {
        try trainer.fit(batches, epochs: options.epochs, callbacks: callbacks)
    }

    /// Trains data-parallel over `group` (under `mpirun`): `options.batchSize` stays the global
    /// batch, every process computes on its rows of each batch (``RatingBatches/shard(rank:worldSize:)``)
    /// and the gradients are summed over the processes before each update, so the steps give the
    /// losses of one process with the same batch, to rounding (without dropout). Throws when a
    /// batch cannot give every process a row.
    ///
    /// ```swift
    /// try training.distribute(over: try DistributedRuntime.worldGroup())
    /// try training.fit()
    /// ```
    public func distribute(over group: ProcessGroup, bucketBytes: Int = DistributedDataParallel.defaultBucketBytes) throws {
        try batches.shard(rank: group.rank, worldSize: group.worldSize)
        trainer.distribute(over: group, bucketBytes: bucketBytes)
    }

    /// The held-out figures of the last epoch, without the `val_` prefix (empty before the first
    /// epoch or without validation data).
    public var lastValidation: [String: Double] {
        var out: [String: Double] = [:]
        for (key, values) in trainer.history.values where key.hasPrefix("val_") {
            if let last = values.last { out[String(key.dropFirst(4))] = last }
        }
        return out
    }
}

extension RatingMetrics {
    /// RMSE and MAE of `model` on `table` (predictions clipped to `range`) as a trainer's epoch
    /// validation, `rmse` and `mae`; nil without held-out ratings.
    static func epochValidation(_ model: Recommender, on table: RatingTable?, range: ClosedRange<Float>) -> (() -> [String: Double])? {
        guard let table, !table.ratings.isEmpty else { return nil }
        return {
            let e = evaluate(model, on: table, range: range)
            return ["rmse": e.rmse, "mae": e.mae]
        }
    }
}
