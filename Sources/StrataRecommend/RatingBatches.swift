import StrataCore
import StrataData
import StrataIO
import StrataTrain

/// The interactions of a ``RatingTable`` in shuffled batches, as a ``ResumableBatchSource`` for
/// `Trainer`: every epoch is a new permutation of all the interactions, drawn by one generator
/// that runs on from epoch to epoch. With a ``NegativeSampler`` (BPR) each interaction also gets
/// one item the user has not seen. Both generators are the source's `state`, saved with a
/// training checkpoint, so that a resumed run sees the batches the uninterrupted one would have.
///
/// A batch's inputs are ids `[B, 2]` (user, item) or `[B, 3]` (user, item, negative item),
/// int32; its targets are the ratings `[B]`, float32. ``ids(_:)`` reads the columns back.
///
/// ```swift
/// let batches = RatingBatches(train, batchSize: 512, seed: 42)
/// try trainer.fit(batches, epochs: 25)
/// ```
public final class RatingBatches: ResumableBatchSource {
    public let batchSize: Int
    /// Interactions per epoch.
    public let count: Int
    /// The processes each batch is split over (see ``shard(rank:worldSize:)``).
    public private(set) var worldSize = 1
    private var rank = 0
    private let users: [Int32], items: [Int32], values: [Float]
    private var generator: RandomGenerator
    private var sampler: NegativeSampler?

    /// Batches of `table`'s interactions shuffled from `seed`, with a negative item each drawn by
    /// `negatives` when given.
    public init(_ table: RatingTable, batchSize: Int, seed: UInt64, negatives: NegativeSampler? = nil) {
        ensure(batchSize > 0, "RatingBatches: batchSize must be positive, got \(batchSize)")
        users = table.ratings.map(\.user)
        items = table.ratings.map(\.item)
        values = table.ratings.map(\.value)
        count = table.ratings.count
        self.batchSize = batchSize
        generator = RandomGenerator(seed: seed)
        sampler = negatives
    }

    public func stepCount(epoch: Int) -> Int { (count + batchSize - 1) / batchSize }

    /// Splits every batch over `worldSize` processes, of which this is `rank` (data-parallel
    /// training): every process draws the same permutation and negatives, and keeps rows
    /// `rank·n/worldSize ..< (rank + 1)·n/worldSize` of each batch of n, so that the processes
    /// together see the batches one process would. Throws when a batch, the last of an epoch
    /// included, would leave a process without a row.
    ///
    /// ```swift
    /// try batches.shard(rank: group.rank, worldSize: group.worldSize)
    /// ```
    public func shard(rank: Int, worldSize: Int) throws {
        ensure(rank >= 0 && rank < worldSize, "RatingBatches.shard: rank \(rank) is not one of \(worldSize) processes")
        let last = count % batchSize == 0 ? batchSize : count % batchSize
        guard Swift.min(batchSize, last) >= worldSize else {
            throw RecommenderError("a batch of \(Swift.min(batchSize, last)) ratings (the last of each epoch holds \(last) of the \(count)) "
                                   + "cannot be split over \(worldSize) processes: choose a --batch-size that leaves each at least one")
        }
        (self.rank, self.worldSize) = (rank, worldSize)
    }

    /// The epoch's batches: the permutation is drawn now, the negatives batch by batch.
    public func batches(epoch: Int) -> AnyIterator<Batch> {
        var order = Array(0..<count)
        order.shuffle(using: &generator)
        let (users, items, values, count, batchSize) = (users, items, values, count, batchSize)
        let columns = sampler == nil ? 2 : 3
        let (rank, worldSize) = (rank, worldSize)
        var start = 0
        return AnyIterator {
            guard start < count else { return nil }
            let end = Swift.min(count, start + batchSize)
            defer { start = end }
            // Every process draws the whole batch's negatives (the sampler stays in step), and
            // keeps its rows.
            let n = end - start, mine = (start + rank * n / worldSize)..<(start + (rank + 1) * n / worldSize)
            // Rows of (user, item[, negative]); the plain loops over buffers keep this a small part of a step.
            let rows = order[mine]
            let ids = [Int32](unsafeUninitializedCapacity: rows.count * columns) { buffer, initialized in
                var at = 0
                for position in start..<end {
                    let k = order[position]
                    let negative = columns == 3 ? self.sampler!.sample(forUser: users[k]) : 0
                    guard mine.contains(position) else { continue }
                    buffer[at] = users[k]
                    buffer[at + 1] = items[k]
                    if columns == 3 { buffer[at + 2] = negative }
                    at += columns
                }
                initialized = at
            }
            return Batch(inputs: Tensor(ids, shape: [rows.count, columns]), targets: Tensor(rows.map { values[$0] }))   // [b, 2 or 3], [b]
        }
    }

    /// The columns of a batch's inputs: users, items, and the negative items (BPR).
    ///
    /// ```swift
    /// let (users, items, _) = RatingBatches.ids(batch.inputs)
    /// ```
    public static func ids(_ inputs: Tensor) -> (users: [Int32], items: [Int32], negatives: [Int32]?) {
        let shape = inputs.shape
        ensure(shape.count == 2 && (shape[1] == 2 || shape[1] == 3) && inputs.dtype == .int32,
               "RatingBatches.ids: inputs must be int32 [B, 2] or [B, 3], got \(inputs.dtype) \(shape)")
        let flat = inputs.toArray(as: Int32.self), n = shape[0], columns = shape[1]
        func column(_ c: Int) -> [Int32] {
            flat.withUnsafeBufferPointer { ids in
                [Int32](unsafeUninitializedCapacity: n) { out, initialized in
                    for b in 0..<n { out[b] = ids[b * columns + c] }
                    initialized = n
                }
            }
        }
        return (column(0), column(1), columns == 3 ? column(2) : nil)
    }

    /// The shuffling generator's four words, then the negative sampler's four (BPR).
    public var state: [UInt64] { generator.state + (sampler?.state ?? []) }

    public func restore(state: [UInt64]) throws {
        let expected = sampler == nil ? 4 : 8
        guard state.count == expected, stride(from: 0, to: expected, by: 4).allSatisfy({ state[$0..<($0 + 4)].contains { $0 != 0 } }) else {
            throw FileError(path: "", message: "a rating-batch position needs \(expected) words (\(expected / 4) generator\(expected == 4 ? "" : "s") of 4, not all zero); found \(state.count)")
        }
        generator.state = Array(state[0..<4])
        if sampler != nil { sampler!.state = Array(state[4..<8]) }
    }
}
