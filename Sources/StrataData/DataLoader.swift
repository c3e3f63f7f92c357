import Foundation
import StrataCore

/// Batches of a dataset for one epoch after another, shuffled with a seeded generator
/// (the order of epoch e depends only on the seed and e, so a resumed run sees the same
/// batches), with batches prepared on a background thread while the model computes.
///
/// ```swift
/// let loader = DataLoader(train, batchSize: 128, shuffle: true, seed: 42)
/// for batch in loader.epoch(0) {
///     let loss = crossEntropy(logits: model(batch.inputs), targets: batch.targets)
/// }
/// ```
public struct DataLoader: Sequence, Sendable {
    public let dataset: any Dataset
    public let batchSize: Int
    public let shuffle: Bool
    public let seed: UInt64
    public let dropLast: Bool
    /// Batches prepared ahead of the consumer (0 prepares each batch on demand).
    public let prefetch: Int
    /// For data-parallel training: this process's rank and the number of processes.
    public let rank: Int, worldSize: Int

    public init(_ dataset: any Dataset, batchSize: Int, shuffle: Bool = false, seed: UInt64 = 0,
                dropLast: Bool = false, prefetch: Int = 2, rank: Int = 0, worldSize: Int = 1) {
        ensure(batchSize > 0, "DataLoader: batchSize must be positive, got \(batchSize)")
        ensure(rank >= 0 && rank < worldSize, "DataLoader: rank \(rank) must be in 0..<\(worldSize)")
        self.dataset = dataset; self.batchSize = batchSize; self.shuffle = shuffle; self.seed = seed
        self.dropLast = dropLast; self.prefetch = prefetch; self.rank = rank; self.worldSize = worldSize
    }

    /// Number of batches per epoch.
    public var batchCount: Int {
        let n = shardSize
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize
    }

    /// Samples per batch summed over the processes (`batchSize * worldSize`): the batch one
    /// process would take to train the same model.
    public var globalBatchSize: Int { batchSize * worldSize }

    /// Batches per epoch of the whole dataset at `globalBatchSize`: the steps every process takes
    /// (a process whose shard runs out first contributes an empty batch to the last step).
    public var globalBatchCount: Int {
        dropLast ? dataset.count / globalBatchSize : (dataset.count + globalBatchSize - 1) / globalBatchSize
    }

    /// Samples in global batch `index` over all processes.
    public func globalSamples(inBatch index: Int) -> Int {
        Swift.max(0, Swift.min(globalBatchSize, dataset.count - index * globalBatchSize))
    }

    private var shardSize: Int { dataset.count / worldSize + (rank < dataset.count % worldSize ? 1 : 0) }

    /// The example order of `epoch`: a seeded permutation (Fisher-Yates), or 0..<n, then this rank's shard.
    public func order(epoch: Int) -> [Int] {
        var order = Array(0..<dataset.count)
        if shuffle {
            var rng = RandomGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
        }
        return worldSize == 1 ? order : stride(from: rank, to: order.count, by: worldSize).map { order[$0] }
    }

    /// Iterating the loader itself runs one epoch after another, as PyTorch's DataLoader does:
    /// the first `for batch in loader` is epoch 0, the next epoch 1 (a new shuffle), and so on.
    /// Copies of a loader share the count. Use `epoch(_:)` to pick the epoch explicitly.
    ///
    /// ```swift
    /// for _ in 0..<3 { for batch in loader { step(batch) } }    // epochs 0, 1, 2
    /// ```
    public func makeIterator() -> EpochBatches { epoch(passes.next()) }

    /// How many times the loader has been iterated (shared by copies).
    private let passes = PassCounter()

    /// The batches of one epoch.
    public func epoch(_ epoch: Int) -> EpochBatches {
        let order = self.order(epoch: epoch)
        let batches = (0..<batchCount).map { b in Array(order[(b * batchSize)..<Swift.min(order.count, (b + 1) * batchSize)]) }
        return EpochBatches(dataset: dataset, batches: batches, prefetch: prefetch)
    }
}

/// The batches of one epoch, produced on a background thread `prefetch` batches ahead.
///
/// The producer thread shares only a small buffer object with the iterator, never the iterator
/// itself: an epoch abandoned before its end is then released, its `deinit` cancels the producer
/// and the thread exits instead of waiting forever.
public final class EpochBatches: Sequence, IteratorProtocol, @unchecked Sendable {
    // @unchecked Sendable: the producer thread shares only `buffer` (guarded by its condition);
    // `position` belongs to the one consumer that iterates; the rest is immutable.
    /// The state shared between the producer thread and the consumer, guarded by `condition`.
    private final class Buffer: @unchecked Sendable {   // every `var` is touched under `condition`
        let condition = NSCondition()
        var ready: [Int: Batch] = [:]
        var produced = 0
        /// Batches handed to the consumer (updated under the lock, so the producer sees it when woken).
        var consumed = 0
        var cancelled = false
    }

    private let dataset: any Dataset
    private let batches: [[Int]]
    private let prefetch: Int
    private var position = 0
    private let buffer = Buffer()

    init(dataset: any Dataset, batches: [[Int]], prefetch: Int) {
        self.dataset = dataset
        self.batches = batches
        self.prefetch = prefetch
        if prefetch > 0 && !batches.isEmpty {
            let buffer = self.buffer
            let thread = Thread { Self.produce(dataset: dataset, batches: batches, prefetch: prefetch, buffer: buffer) }
            thread.start()
        }
    }

    deinit {
        buffer.condition.lock(); buffer.cancelled = true; buffer.condition.broadcast(); buffer.condition.unlock()
    }

    /// Number of batches in this epoch.
    public var count: Int { batches.count }

    private static func produce(dataset: any Dataset, batches: [[Int]], prefetch: Int, buffer: Buffer) {
        let condition = buffer.condition
        for i in batches.indices {
            condition.lock()
            while !buffer.cancelled && buffer.produced - buffer.consumed >= prefetch { condition.wait() }
            if buffer.cancelled { condition.unlock(); return }
            condition.unlock()
            let batch = dataset.batch(batches[i])
            condition.lock()
            buffer.ready[i] = batch
            buffer.produced += 1
            condition.broadcast()
            condition.unlock()
        }
    }

    public func next() -> Batch? {
        guard position < batches.count else { return nil }
        defer { position += 1 }
        guard prefetch > 0 else { return dataset.batch(batches[position]) }
        let condition = buffer.condition
        condition.lock()
        while buffer.ready[position] == nil { condition.wait() }
        let batch = buffer.ready.removeValue(forKey: position)!
        buffer.consumed = position + 1
        condition.broadcast()
        condition.unlock()
        return batch
    }
}

/// A counter shared by the copies of a ``DataLoader``.
final class PassCounter: @unchecked Sendable {
    // @unchecked Sendable: `count` is only touched under `lock`.
    private let lock = NSLock()
    private var count = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count - 1
    }
}
