import StrataCore
import StrataData

/// Where `Trainer` takes its batches from: epochs of a fixed number of steps. `DataLoader` is one;
/// ``TextWindows`` (random windows of a corpus) is another.
///
/// ```swift
/// try trainer.fit(DataLoader(train, batchSize: 128, shuffle: true, seed: 1), epochs: 5)
/// ```
public protocol BatchSource {
    /// The steps of epoch `epoch`: the same on every process of a data-parallel run.
    func stepCount(epoch: Int) -> Int
    /// This process's batches of epoch `epoch`, one per step (it may run out before the last
    /// step, when a shard is shorter than the others).
    func batches(epoch: Int) -> AnyIterator<Batch>
    /// The number of processes the data is split over (1: not split).
    var worldSize: Int { get }
    /// The progress bar of epoch `epoch` of `epochs` (default: "Epoch e/E", counting samples).
    func progressBar(epoch: Int, of epochs: Int, steps: Int) -> ProgressBar
}

extension BatchSource {
    public func progressBar(epoch: Int, of epochs: Int, steps: Int) -> ProgressBar {
        ProgressBar(totalSteps: steps, epoch: epoch + 1, totalEpochs: epochs)
    }
}

/// Training data whose position in the stream is state (a random generator that draws the
/// batches), saved with a checkpoint so that a resumed run draws the batches the uninterrupted one
/// would have.
public protocol ResumableBatchSource: BatchSource, AnyObject {
    /// The position, as words for a checkpoint header.
    var state: [UInt64] { get }
    /// Continues from a position saved by `state`; throws when it does not fit.
    func restore(state: [UInt64]) throws
}

extension DataLoader: BatchSource {
    /// Batches per epoch of the whole dataset at the global batch size (the batch count when not split).
    public func stepCount(epoch: Int) -> Int { worldSize > 1 ? globalBatchCount : batchCount }
    public func batches(epoch: Int) -> AnyIterator<Batch> { AnyIterator(self.epoch(epoch)) }
}
