import Foundation
import StrataCore
import StrataOptim

/// Hooks into `Trainer.fit`: override what you need. `logs` holds the epoch's figures
/// (`loss`, `accuracy`, `val_loss`, `val_accuracy`, `lr`, `seconds`, `train_seconds`).
/// `beforeOptimizerStep` runs once per update, after backward (and the data-parallel gradient
/// exchange) and before the optimizer applies the gradients: the place for clipping.
///
/// ```swift
/// final class PrintLoss: Callback {
///     override func epochEnded(_ epoch: Int, logs: [String: Double], trainer: Trainer) throws { print(logs["loss"]!) }
/// }
/// ```
open class Callback {
    public init() {}
    open func trainingBegan(trainer: Trainer) throws {}
    open func epochBegan(_ epoch: Int, trainer: Trainer) throws {}
    open func beforeOptimizerStep(trainer: Trainer) throws {}
    open func batchEnded(_ step: Int, loss: Double, trainer: Trainer) throws {}
    open func epochEnded(_ epoch: Int, logs: [String: Double], trainer: Trainer) throws {}
    open func trainingEnded(trainer: Trainer) throws {}
}

/// Whether a smaller or a larger value of a monitored figure is better.
public enum MonitorMode: Sendable {
    case min, max, automatic
    func isBetter(_ value: Double, than best: Double, monitor: String, minDelta: Double = 0) -> Bool {
        let lowerIsBetter: Bool
        switch self {
        case .min: lowerIsBetter = true
        case .max: lowerIsBetter = false
        case .automatic: lowerIsBetter = !monitor.contains("accuracy")
        }
        return lowerIsBetter ? value < best - minDelta : value > best + minDelta
    }
}

/// Stops training when `monitor` has not improved by `minDelta` for `patience` epochs.
///
/// ```swift
/// trainer.fit(loader, epochs: 50, validation: val, callbacks: [EarlyStopping(monitor: "val_loss", patience: 3)])
/// ```
public final class EarlyStopping: Callback {
    public let monitor: String, patience: Int, minDelta: Double, mode: MonitorMode
    public private(set) var best: Double?
    public private(set) var stoppedEpoch: Int?
    private var wait = 0

    public init(monitor: String = "val_loss", patience: Int = 3, minDelta: Double = 0, mode: MonitorMode = .automatic) {
        self.monitor = monitor; self.patience = patience; self.minDelta = minDelta; self.mode = mode
    }

    /// Starts afresh with each `fit`, as Keras does.
    override public func trainingBegan(trainer: Trainer) throws {
        best = nil
        wait = 0
        stoppedEpoch = nil
    }

    override public func epochEnded(_ epoch: Int, logs: [String: Double], trainer: Trainer) throws {
        guard let value = logs[monitor] else { return }
        if best == nil || mode.isBetter(value, than: best!, monitor: monitor, minDelta: minDelta) {
            best = value
            wait = 0
        } else {
            wait += 1
            if wait >= patience {
                stoppedEpoch = epoch
                trainer.stopTraining = true
            }
        }
    }
}

/// Ends `fit` at the end of the first epoch that reaches `steps` updates (a time-boxed job: a
/// checkpoint written at that epoch continues the run with the same schedule).
///
/// ```swift
/// try trainer.fit(loader, epochs: 10, callbacks: [StepLimit(steps: 2000), ModelCheckpoint(path: "ckpt.safetensors")])
/// ```
public final class StepLimit: Callback {
    public let steps: Int
    public init(steps: Int) { self.steps = steps }
    override public func epochEnded(_ epoch: Int, logs: [String: Double], trainer: Trainer) throws {
        if trainer.globalStep >= steps { trainer.stopTraining = true }
    }
}

/// Sets the optimizer's learning rate from a schedule, per epoch or per step.
///
/// ```swift
/// LearningRateScheduler(StepLR(base: 0.1, stepSize: 5), perStep: false)
/// ```
public final class LearningRateScheduler: Callback {
    public let schedule: any LearningRateSchedule
    public let perStep: Bool

    public init(_ schedule: any LearningRateSchedule, perStep: Bool = false) {
        self.schedule = schedule
        self.perStep = perStep
    }

    override public func epochBegan(_ epoch: Int, trainer: Trainer) throws {
        if !perStep { trainer.optimizer.learningRate = schedule.learningRate(at: epoch) }
        else { trainer.optimizer.learningRate = schedule.learningRate(at: trainer.globalStep) }
    }

    override public func batchEnded(_ step: Int, loss: Double, trainer: Trainer) throws {
        if perStep { trainer.optimizer.learningRate = schedule.learningRate(at: trainer.globalStep) }
    }
}

/// Scales the gradients so that their joint L2 norm is at most `maxNorm` before each update.
///
/// ```swift
/// try trainer.fit(loader, epochs: 5, callbacks: [GradientClipping(maxNorm: 1)])
/// ```
public final class GradientClipping: Callback {
    public let maxNorm: Double
    /// The tensors whose gradients are clipped, in the order their norms are summed (nil: the optimizer's).
    public let parameters: [Tensor]?
    /// The norm before clipping at the last update.
    public private(set) var lastNorm: Double?

    /// Parameters that hold a tensor-parallel shard, and the sum over the processes that share
    /// them (see `clipGradientNorm`).
    public let sharded: Set<ObjectIdentifier>, sumOverShards: ((Double) -> Double)?

    public init(maxNorm: Double, parameters: [Tensor]? = nil, sharded: [Tensor] = [], sumOverShards: ((Double) -> Double)? = nil) {
        ensure(maxNorm > 0, "GradientClipping: maxNorm must be positive, got \(maxNorm)")
        self.maxNorm = maxNorm
        self.parameters = parameters
        self.sharded = Set(sharded.map(ObjectIdentifier.init))
        self.sumOverShards = sumOverShards
    }

    override public func beforeOptimizerStep(trainer: Trainer) throws {
        lastNorm = clipGradientNorm(parameters ?? trainer.optimizer.parameters, maxNorm: maxNorm, sharded: sharded, sumOverShards: sumOverShards)
    }
}

/// Appends each epoch's figures to a CSV (`.csv`) or JSON-lines (`.jsonl`) file.
///
/// ```swift
/// MetricsLogger(path: "runs/mnist/metrics.csv")
/// ```
public final class MetricsLogger: Callback {
    public let path: String
    private var log: MetricsLog?

    public init(path: String) { self.path = path }

    override public func trainingBegan(trainer: Trainer) throws {
        log = try MetricsLog(path: path, append: trainer.epoch > 0)
    }

    override public func epochEnded(_ epoch: Int, logs: [String: Double], trainer: Trainer) throws {
        try log?.log(epoch: epoch + 1, metrics: logs.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    override public func trainingEnded(trainer: Trainer) throws { log?.close() }
}

/// Rewrites an SVG chart of loss and accuracy per epoch (train and validation) after every epoch.
///
/// ```swift
/// TrainingCurvesWriter(path: "runs/mnist/curves.svg")
/// ```
public final class TrainingCurvesWriter: Callback {
    public let path: String
    public let title: String

    public init(path: String, title: String = "Training curves") { self.path = path; self.title = title }

    override public func epochEnded(_ epoch: Int, logs: [String: Double], trainer: Trainer) throws {
        var history = trainer.history.values
        for key in ["lr", "seconds", "train_seconds"] { history.removeValue(forKey: key) }
        try TrainingCurves(title: title, history: history).write(to: path)
    }
}

/// Saves a checkpoint after each epoch: always to `path`, or only when `monitor` improves
/// (`saveBestOnly`). Checkpoints are written atomically.
///
/// ```swift
/// ModelCheckpoint(path: "runs/mnist/best.safetensors", monitor: "val_accuracy", saveBestOnly: true)
/// ```
public final class ModelCheckpoint: Callback {
    public let path: String, monitor: String, saveBestOnly: Bool, mode: MonitorMode
    /// Extra metadata stored with every checkpoint (for example the model's configuration).
    public var metadata: [String: String]
    public private(set) var best: Double?

    public init(path: String, monitor: String = "val_loss", saveBestOnly: Bool = false, mode: MonitorMode = .automatic,
                metadata: [String: String] = [:]) {
        self.path = path; self.monitor = monitor; self.saveBestOnly = saveBestOnly; self.mode = mode; self.metadata = metadata
    }

    override public func epochEnded(_ epoch: Int, logs: [String: Double], trainer: Trainer) throws {
        if saveBestOnly {
            guard let value = logs[monitor] else { return }
            if let best, !mode.isBetter(value, than: best, monitor: monitor) { return }
            best = value
        }
        try TrainingCheckpoint.save(trainer: trainer, metadata: metadata, to: path)
    }
}

/// Logs the loss of every step (`epoch`, `step` in the epoch, `global_step`: updates so far, `loss`) to a CSV or JSON-lines file; under data
/// parallelism the loss is that of the global batch.
///
/// ```swift
/// StepLossLogger(path: "runs/mnist/steps.csv")
/// ```
public final class StepLossLogger: Callback {
    public let path: String
    private var log: MetricsLog?
    private var epoch = 0

    public init(path: String) { self.path = path }

    override public func trainingBegan(trainer: Trainer) throws { log = try MetricsLog(path: path) }
    override public func epochBegan(_ epoch: Int, trainer: Trainer) throws { self.epoch = epoch }
    override public func batchEnded(_ step: Int, loss: Double, trainer: Trainer) throws {
        try log?.log([("epoch", .int(epoch + 1)), ("step", .int(step)), ("global_step", .int(trainer.globalStep)), ("loss", .double(loss))])
    }
    override public func trainingEnded(trainer: Trainer) throws { log?.close() }
}
