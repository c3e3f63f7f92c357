import StrataCore
import StrataData
import StrataIO

/// Batches of `context`-token windows of a corpus (inputs) and the same windows one token later
/// (targets), as a ``BatchSource`` for `Trainer`: random windows from one generator that runs on
/// across epochs (training: its position is saved with a checkpoint), random windows drawn afresh
/// from a seed for every pass (repeatable estimates), or every window in order (a full pass).
///
/// ```swift
/// let train = TextWindows(corpus, .train, batchSize: 16, context: 128, order: .random(seed: 1337), steps: 3000, stepsPerEpoch: 250)
/// try trainer.fit(train, epochs: 12)
/// ```
public final class TextWindows: ResumableBatchSource {
    /// How windows are chosen.
    public enum Order: Sendable {
        /// Random windows from a generator seeded once, which continues from epoch to epoch.
        case random(seed: UInt64)
        /// Random windows from a generator seeded afresh for every epoch: the same windows each time.
        case repeated(seed: UInt64)
        /// Every whole window in order (`batchSize` windows a batch); processes take turns by batch.
        case consecutive
    }

    public let corpus: TextCorpus
    public let split: TextCorpus.Split
    /// Windows per batch, summed over the processes.
    public let batchSize: Int
    public let context: Int
    public let order: Order
    /// Steps in all (random orders), split into epochs of `stepsPerEpoch` (the last may be shorter).
    public let steps: Int, stepsPerEpoch: Int
    /// This process's rank and the number of processes: each takes its rows of every random batch.
    public private(set) var rank = 0, worldSize = 1
    private var generator: RandomGenerator

    /// Windows of `split`; `steps` and `stepsPerEpoch` apply to the random orders (a consecutive
    /// pass is one epoch of every window).
    public init(_ corpus: TextCorpus, _ split: TextCorpus.Split, batchSize: Int, context: Int, order: Order,
                steps: Int = 1, stepsPerEpoch: Int = 1) {
        ensure(batchSize > 0 && context > 0 && steps >= 0 && stepsPerEpoch > 0,
               "TextWindows: batchSize, context and stepsPerEpoch must be positive and steps >= 0")
        ensure(corpus.tokens(split).count > context, "TextWindows: the \(split) part has \(corpus.tokens(split).count) tokens, fewer than context + 1 = \(context + 1)")
        self.corpus = corpus; self.split = split; self.batchSize = batchSize; self.context = context; self.order = order
        self.steps = steps; self.stepsPerEpoch = stepsPerEpoch
        switch order {
        case .random(let seed), .repeated(let seed): generator = RandomGenerator(seed: seed)
        case .consecutive: generator = RandomGenerator(seed: 0)
        }
    }

    /// Splits every batch over `worldSize` processes, of which this is `rank` (each needs a row).
    public func shard(rank: Int, worldSize: Int) {
        ensure(rank >= 0 && rank < worldSize && worldSize <= batchSize, "TextWindows: rank \(rank) of \(worldSize) processes for batches of \(batchSize)")
        self.rank = rank; self.worldSize = worldSize
    }

    /// Epochs in the run: ⌈steps / stepsPerEpoch⌉ (1 for a consecutive pass).
    public var epochs: Int {
        if case .consecutive = order { return 1 }
        return (steps + stepsPerEpoch - 1) / stepsPerEpoch
    }

    /// Whole windows in the split.
    var windowCount: Int { (corpus.tokens(split).count - 1) / context }

    public func stepCount(epoch: Int) -> Int {
        if case .consecutive = order { return (windowCount + batchSize - 1) / batchSize }
        return Swift.max(0, Swift.min(stepsPerEpoch, steps - epoch * stepsPerEpoch))
    }

    public func batches(epoch: Int) -> AnyIterator<Batch> {
        let count = stepCount(epoch: epoch)
        var index = 0
        switch order {
        case .consecutive:
            let ids = corpus.tokens(split), context = context, windows = windowCount, size = batchSize
            var chunk = rank   // processes take turns
            return AnyIterator {
                guard chunk < count else { return nil }
                defer { chunk += self.worldSize }
                let start = chunk * size, rows = Swift.min(size, windows - start)
                var x = [Int64](), y = [Int64]()
                for w in start..<(start + rows) {
                    let base = w * context
                    x += ids[base..<(base + context)].map(Int64.init)
                    y += ids[(base + 1)...(base + context)].map(Int64.init)
                }
                return Batch(inputs: Tensor(x, shape: [rows, context]), targets: Tensor(y, shape: [rows, context]))
            }
        case .random, .repeated:
            if case .repeated(let seed) = order { generator = RandomGenerator(seed: seed) }
            return AnyIterator {
                guard index < count else { return nil }
                index += 1
                // Every process draws the same global batch and keeps its rows of it.
                let (x, y) = self.corpus.batch(self.split, size: self.batchSize, context: self.context, generator: &self.generator)
                guard self.worldSize > 1 else { return Batch(inputs: x, targets: y) }
                let rows = (self.rank * self.batchSize / self.worldSize)..<((self.rank + 1) * self.batchSize / self.worldSize)
                return Batch(inputs: x.slice(axis: 0, start: rows.lowerBound, end: rows.upperBound),   // [rows, T]
                             targets: y.slice(axis: 0, start: rows.lowerBound, end: rows.upperBound))
            }
        }
    }

    /// "Steps a-b" of the run, counting windows.
    public func progressBar(epoch: Int, of epochs: Int, steps: Int) -> ProgressBar {
        let bar = ProgressBar(totalSteps: steps)
        bar.label = "Steps \(epoch * stepsPerEpoch + 1)-\(epoch * stepsPerEpoch + steps)"
        bar.unit = "windows"
        return bar
    }

    /// The random generator's position.
    public var state: [UInt64] { generator.state }

    public func restore(state: [UInt64]) throws {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else {
            throw FileError(path: "", message: "a text-window position needs 4 words, not all zero; found \(state.count)")
        }
        generator.state = state
    }
}
