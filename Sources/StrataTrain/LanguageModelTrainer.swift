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

/// Trains a next-token model on a `TextCorpus`.
///
/// ```swift
/// let gpt = GPT(GPT.Config(vocabularySize: tokenizer.vocabularySize))
/// let trainer = LanguageModelTrainer(model: gpt, corpus: corpus, config: LanguageModelTrainingConfig()) { gpt($0) }
/// let last = trainer.train { row in print(row.step, row.validationLoss) }
/// ```
public final class LanguageModelTrainer {
    public let model: Module
    public let corpus: TextCorpus
    public let config: LanguageModelTrainingConfig
    /// Logits `[B, T, vocabulary]` for ids `[B, T]`.
    public let logits: (Tensor) -> Tensor
    /// The model's parameters, found once (the Mirror walk is not free on every step).
    let parameters: [Tensor]
    let decayed: AdamW
    let undecayed: AdamW
    let schedule: WarmupCosine
    var generator: RandomGenerator
    public private(set) var step = 0
    /// Data-parallel training over several processes, set with `distribute(over:)`.
    public internal(set) var dataParallel: DistributedDataParallel?

    public init(model: Module, corpus: TextCorpus, config: LanguageModelTrainingConfig, logits: @escaping (Tensor) -> Tensor) {
        self.model = model
        self.corpus = corpus
        self.config = config
        self.logits = logits
        parameters = model.parameters()
        let betas = (config.beta1, config.beta2)
        decayed = AdamW(parameters.filter { $0.rank >= 2 }, learningRate: config.learningRate, betas: betas, weightDecay: config.weightDecay)
        undecayed = AdamW(parameters.filter { $0.rank < 2 }, learningRate: config.learningRate, betas: betas, weightDecay: 0)
        schedule = WarmupCosine(base: config.learningRate, warmupSteps: config.warmupSteps, totalSteps: config.steps,
                                minimum: config.minimumLearningRate)
        generator = RandomGenerator(seed: config.seed)
    }

    /// Mean cross-entropy of the next token over a batch.
    func loss(_ inputs: Tensor, _ targets: Tensor) -> Tensor {
        let out = logits(inputs)
        return crossEntropy(logits: out.reshaped([-1, out.shape[2]]), targets: targets.reshaped([-1]))
    }

    /// One optimisation step on a random training batch; returns its loss. Throws
    /// ``NonFiniteLossError`` (before updating anything) when the loss is NaN or infinite.
    @discardableResult
    public func trainStep() throws -> Double {
        model.train(true)
        let (x, y) = corpus.batch(.train, size: config.batchSize, context: config.context, generator: &generator)
        let lr = schedule.learningRate(at: step)
        decayed.learningRate = lr
        undecayed.learningRate = lr
        let value: Double
        if let dataParallel {
            // Every process draws the same global batch and takes its rows of it; each mean loss
            // is weighted by its share, so the summed gradients are those of the global batch.
            let rows = Self.rows(of: config.batchSize, rank: dataParallel.group.rank, worldSize: dataParallel.group.worldSize)
            var local: Tensor?, localSum = 0.0
            if !rows.isEmpty {
                let l = loss(x.slice(axis: 0, start: rows.lowerBound, end: rows.upperBound),   // [rows, T]
                             y.slice(axis: 0, start: rows.lowerBound, end: rows.upperBound))
                localSum = l.item() * Double(rows.count)
                local = l
            }
            value = dataParallel.group.allReduce([localSum], .sum)[0] / Double(config.batchSize)
            try NonFiniteLossError.check(value, step: step + 1)
            (local.map { $0 * (Double(rows.count) / Double(config.batchSize)) })?.backward()
            dataParallel.allReduceGradients(.sum)
        } else {
            let l = loss(x, y)
            value = l.item()
            try NonFiniteLossError.check(value, step: step + 1)
            l.backward()
        }
        if config.gradientClip > 0 { clipGradientNorm(parameters, maxNorm: config.gradientClip) }
        decayed.step()
        undecayed.step()
        decayed.zeroGradients()
        undecayed.zeroGradients()
        step += 1
        return value
    }

    /// Loss on `batches` random windows of `split`, drawn from a fixed seed so that successive
    /// estimates use the same windows.
    public func estimateLoss(_ split: TextCorpus.Split, batches: Int) -> Double {
        model.train(false)
        defer { model.train(true) }
        var rng = RandomGenerator(seed: config.seed &+ (split == .train ? 1 : 2))
        return withoutGradients {
            var total = 0.0
            for _ in 0..<batches {
                let (x, y) = corpus.batch(split, size: config.batchSize, context: config.context, generator: &rng)
                if let group = dataParallel?.group {
                    let rows = Self.rows(of: config.batchSize, rank: group.rank, worldSize: group.worldSize)
                    guard !rows.isEmpty else { continue }
                    total += loss(x.slice(axis: 0, start: rows.lowerBound, end: rows.upperBound),   // [rows, T]
                                  y.slice(axis: 0, start: rows.lowerBound, end: rows.upperBound)).item()
                        * Double(rows.count) / Double(config.batchSize)
                } else {
                    total += loss(x, y).item()
                }
            }
            if let group = dataParallel?.group { total = group.allReduce([total], .sum)[0] }
            return total / Double(batches)
        }
    }

    /// Loss over the whole validation part, in consecutive windows of `context` tokens.
    public func validationLoss() -> Double {
        model.train(false)
        defer { model.train(true) }
        let ids = corpus.validation, context = config.context
        let windows = (ids.count - 1) / context
        ensure(windows > 0, "LanguageModelTrainer: the validation part is shorter than one context window")
        return withoutGradients {
            var total = 0.0
            var start = 0, chunk = 0
            let rank = dataParallel?.group.rank ?? 0, worldSize = dataParallel?.group.worldSize ?? 1
            while start < windows {
                let count = Swift.min(config.batchSize * 4, windows - start)
                defer { start += count; chunk += 1 }
                guard chunk % worldSize == rank else { continue }   // processes take turns
                var x = [Int64](), y = [Int64]()
                for w in start..<(start + count) {
                    let base = w * context
                    x += ids[base..<(base + context)].map(Int64.init)
                    y += ids[(base + 1)...(base + context)].map(Int64.init)
                }
                total += loss(Tensor(x, shape: [count, context]), Tensor(y, shape: [count, context])).item() * Double(count)
            }
            if let group = dataParallel?.group { total = group.allReduce([total], .sum)[0] }
            return total / Double(windows)
        }
    }

    /// Runs the remaining steps, calling `onEvaluation` every `evaluationInterval` steps and at the
    /// end with the training loss since the last call and a validation estimate, and `onStep`
    /// after every step with the step's loss. Returns the last row.
    @discardableResult
    public func train(onStep: (Int, Double) -> Void = { _, _ in },
                      onEvaluation: (LanguageModelProgress) throws -> Void = { _ in }) throws -> LanguageModelProgress {
        let started = Date()
        var trainingSeconds = 0.0, trainedTokens = 0
        var sinceLast = 0.0, countSinceLast = 0
        var last = LanguageModelProgress(step: step, trainLoss: .nan, validationLoss: .nan, learningRate: 0,
                                         tokensPerSecond: 0, elapsedSeconds: 0)
        while step < config.steps {
            let t0 = Date()
            let l = try trainStep()
            trainingSeconds += Date().timeIntervalSince(t0)
            trainedTokens += config.batchSize * config.context
            sinceLast += l
            countSinceLast += 1
            onStep(step, l)
            if step % config.evaluationInterval == 0 || step == config.steps {
                last = LanguageModelProgress(step: step, trainLoss: sinceLast / Double(countSinceLast),
                                             validationLoss: estimateLoss(.validation, batches: config.evaluationBatches),
                                             learningRate: schedule.learningRate(at: step - 1),
                                             tokensPerSecond: Double(trainedTokens) / trainingSeconds,
                                             elapsedSeconds: Date().timeIntervalSince(started))
                sinceLast = 0
                countSinceLast = 0
                try onEvaluation(last)
            }
        }
        return last
    }
}
