import Foundation
import StrataCore
import StrataData
import StrataDistributed
import StrataNN
import StrataOptim

/// Hyper-parameters of language-model training (nanoGPT's recipe): AdamW with weight decay on
/// matrices only, linear warm-up then cosine decay, global-norm gradient clipping, and periodic
/// validation on random windows.
public struct LanguageModelTrainingConfig: Codable, Sendable, Equatable {
    public var steps = 3000
    public var batchSize = 16
    public var context = 128
    public var learningRate = 1e-3
    /// The learning rate the cosine decay ends at.
    public var minimumLearningRate = 1e-4
    public var warmupSteps = 100
    /// Decoupled weight decay, applied to weight matrices and embeddings, not to biases or norms.
    public var weightDecay = 0.1
    public var beta1 = 0.9
    public var beta2 = 0.99
    /// Global gradient-norm limit (0 turns clipping off).
    public var gradientClip = 1.0
    /// Steps between validation estimates.
    public var evaluationInterval = 250
    /// Random validation windows per estimate (`batchSize` each).
    public var evaluationBatches = 20
    public var seed: UInt64 = 1337

    public init() {}
}

/// One row of a language-model training log.
public struct LanguageModelProgress: Sendable {
    public var step: Int
    /// Mean training loss over the steps since the previous row.
    public var trainLoss: Double
    /// Validation loss estimate (nats per token).
    public var validationLoss: Double
    public var learningRate: Double
    /// Training tokens per second since the start, not counting validation.
    public var tokensPerSecond: Double
    public var elapsedSeconds: Double
}

/// Language-model training as a configuration of the one loop, ``Trainer``: random training
/// windows (``TextWindows``) in epochs of `evaluationInterval` steps, AdamW with a decayed and an
/// undecayed parameter group, the warm-up-cosine schedule and clipping as callbacks, and a
/// validation estimate at the end of every interval. Checkpoints of `trainer` resume exactly.
///
/// ```swift
/// let gpt = GPT(GPT.Config(vocabularySize: tokenizer.vocabularySize))
/// let lm = LanguageModelTrainer(model: gpt, corpus: corpus, config: LanguageModelTrainingConfig()) { gpt($0) }
/// let last = try lm.train(callbacks: [ModelCheckpoint(path: "runs/lm/training.safetensors")])
/// print(last.step, last.validationLoss)
/// ```
public final class LanguageModelTrainer {
    public let model: Module
    public let corpus: TextCorpus
    public let config: LanguageModelTrainingConfig
    /// Logits `[B, T, vocabulary]` for ids `[B, T]`.
    public let logits: (Tensor) -> Tensor
    /// The loop, its optimizer (AdamW: matrices and embeddings decayed, biases and norms not) and progress.
    public let trainer: Trainer
    /// The training windows, drawn from `config.seed`.
    public let trainingWindows: TextWindows
    /// The learning rate at each step: linear warm-up, then cosine decay.
    public let schedule: WarmupCosine
    /// The model's parameters, found once (the Mirror walk is not free on every step).
    let parameters: [Tensor]
    /// Optimizer updates so far.
    public var step: Int { trainer.globalStep }

    public init(model: Module, corpus: TextCorpus, config: LanguageModelTrainingConfig, logits: @escaping (Tensor) -> Tensor) {
        self.model = model
        self.corpus = corpus
        self.config = config
        self.logits = logits
        parameters = model.parameters()
        let optimizer = AdamW(groups: [ParameterGroup(parameters.filter { $0.rank >= 2 }), ParameterGroup(parameters.filter { $0.rank < 2 }, weightDecay: 0)],
                              learningRate: config.learningRate, betas: (config.beta1, config.beta2), weightDecay: config.weightDecay)
        trainer = Trainer(model: model, forward: logits, optimizer: optimizer, loss: Self.loss, metrics: [])
        trainer.verbose = false   // the command line turns the progress bar on
        trainingWindows = TextWindows(corpus, .train, batchSize: config.batchSize, context: config.context, order: .random(seed: config.seed),
                                      steps: config.steps, stepsPerEpoch: config.evaluationInterval)
        schedule = WarmupCosine(base: config.learningRate, warmupSteps: config.warmupSteps, totalSteps: config.steps,
                                minimum: config.minimumLearningRate)
    }

    /// Mean cross-entropy of the next token: logits `[B, T, V]`, targets `[B, T]`.
    static func loss(_ logits: Tensor, _ targets: Tensor) -> Tensor {
        crossEntropy(logits: logits.reshaped([-1, logits.shape[2]]), targets: targets.reshaped([-1]))   // [B·T, V], [B·T]
    }

    /// The recipe's callbacks: the learning rate set before every step, and clipping (if on).
    public var recipe: [Callback] {
        let sum = tensorParallel.map { tp in { (v: Double) in tp.group.allReduce([v], .sum)[0] } }
        return [LearningRateScheduler(schedule, perStep: true)]
            + (config.gradientClip > 0 ? [GradientClipping(maxNorm: config.gradientClip, parameters: parameters,
                                                            sharded: shardedParameters, sumOverShards: sum)] : [])
    }

    /// The tensor-parallel group the model's blocks are sharded over, and the parameters that
    /// hold shards (``useTensorParallel(_:sharded:)``).
    public private(set) var tensorParallel: TensorParallelGroup?
    public private(set) var shardedParameters: [Tensor] = []

    /// Records that the model was sharded over `tp` before this trainer was made (for example
    /// `gpt.shard(over: tp)`), so that gradient clipping sums the shards' norms over the group.
    /// With data parallelism too, the exchange then waits for backward to end (see
    /// `DistributedDataParallel.overlapsBackward`).
    public func useTensorParallel(_ tp: TensorParallelGroup, sharded: [Tensor]) {
        let own = Set(parameters.map(ObjectIdentifier.init))
        ensure(sharded.allSatisfy { own.contains(ObjectIdentifier($0)) },
               "LanguageModelTrainer.useTensorParallel: shard the model before making the trainer")
        guard tp.size > 1 else { return }   // one process: nothing is sharded
        tensorParallel = tp
        shardedParameters = sharded
        trainer.dataParallel?.overlapsBackward = false
    }

    /// `batches` random windows of `split`, the same ones at every estimate.
    public func estimateWindows(_ split: TextCorpus.Split, batches: Int) -> TextWindows {
        let windows = TextWindows(corpus, split, batchSize: config.batchSize, context: config.context,
                                  order: .repeated(seed: config.seed &+ (split == .train ? 1 : 2)), steps: batches, stepsPerEpoch: batches)
        windows.shard(rank: trainingWindows.rank, worldSize: trainingWindows.worldSize)
        return windows
    }

    /// Runs the remaining steps through `trainer.fit`, one epoch per evaluation interval, with a
    /// validation estimate (`val_loss`) at the end of each (unless `validate` is false); returns
    /// the last interval's figures.
    @discardableResult
    public func train(callbacks: [Callback] = [], validate: Bool = true) throws -> LanguageModelProgress {
        try trainer.fit(trainingWindows, epochs: trainingWindows.epochs,
                        validation: validate ? estimateWindows(.validation, batches: config.evaluationBatches) : nil,
                        callbacks: recipe + callbacks)
        return progress().last ?? LanguageModelProgress(step: step, trainLoss: .nan, validationLoss: .nan, learningRate: 0,
                                                        tokensPerSecond: 0, elapsedSeconds: 0)
    }

    /// One row per completed evaluation interval, from the trainer's history (so a resumed run
    /// has the rows of the run it continues).
    public func progress() -> [LanguageModelProgress] {
        let history = trainer.history
        let tokensPerStep = Double(config.batchSize * config.context)
        var trainingSeconds = 0.0, elapsed = 0.0
        return history["loss"].indices.map { i in
            let step = Swift.min((i + 1) * config.evaluationInterval, config.steps)
            trainingSeconds += history["train_seconds"].indices.contains(i) ? history["train_seconds"][i] : .nan
            elapsed += history["seconds"].indices.contains(i) ? history["seconds"][i] : .nan
            return LanguageModelProgress(step: step, trainLoss: history["loss"][i],
                                         validationLoss: history["val_loss"].indices.contains(i) ? history["val_loss"][i] : .nan,
                                         learningRate: schedule.learningRate(at: step - 1),
                                         tokensPerSecond: Double(step) * tokensPerStep / trainingSeconds, elapsedSeconds: elapsed)
        }
    }

    /// Loss on `batches` random windows of `split`, drawn from a fixed seed so that successive
    /// estimates use the same windows.
    public func estimateLoss(_ split: TextCorpus.Split, batches: Int) -> Double {
        trainer.evaluate(estimateWindows(split, batches: batches))["loss"] ?? .nan
    }

    /// Loss over the whole validation part, in consecutive windows of `context` tokens.
    public func validationLoss() -> Double {
        let windows = TextWindows(corpus, .validation, batchSize: config.batchSize * 4, context: config.context, order: .consecutive)
        ensure(windows.windowCount > 0, "LanguageModelTrainer: the validation part is shorter than one context window")
        windows.shard(rank: trainingWindows.rank, worldSize: trainingWindows.worldSize)
        return trainer.evaluate(windows)["loss"] ?? .nan
    }
}
