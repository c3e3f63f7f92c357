import StrataCore
import StrataDistributed

extension Trainer {
    /// Trains data-parallel over `group`: give `fit` a `DataLoader` made with this process's
    /// `rank` and the group's `worldSize` and a per-process `batchSize` of the global batch
    /// divided by `worldSize`. `fit` then broadcasts rank 0's parameters, averages the
    /// gradients of each global batch over the processes before every update, and reports the
    /// loss and metrics of the global batch (identical on every process). A shard loader given
    /// to `evaluate` gives the figures of the whole dataset.
    ///
    /// ```swift
    /// let group = try DistributedRuntime.worldGroup()
    /// trainer.distribute(over: group)
    /// trainer.verbose = group.rank == 0
    /// try trainer.fit(DataLoader(train, batchSize: 128 / group.worldSize, shuffle: true, seed: 1,
    ///                            rank: group.rank, worldSize: group.worldSize), epochs: 5)
    /// ```
    public func distribute(over group: ProcessGroup, bucketBytes: Int = DistributedDataParallel.defaultBucketBytes) {
        dataParallel = group.worldSize > 1
            ? DistributedDataParallel(parameters: optimizer.parameters, group: group, bucketBytes: bucketBytes) : nil
    }

    /// A tally summed over the processes (unchanged with one process).
    func combined(_ tally: Tally) -> Tally {
        guard let group = dataParallel?.group else { return tally }
        return Tally(metrics: tally.metrics, totals: group.allReduce(tally.totals, .sum))
    }
}

extension LanguageModelTrainer {
    /// Trains data-parallel over `group`: `config.batchSize` stays the global batch (at least one
    /// row per process); every process draws the same windows and computes on its rows of them,
    /// gradients are summed over the processes before each update, and losses are those of the
    /// global batch. The steps then give the losses of a single process with the same batch, to rounding.
    ///
    /// ```swift
    /// lm.distribute(over: try DistributedRuntime.worldGroup())
    /// try lm.train()
    /// ```
    public func distribute(over group: ProcessGroup, bucketBytes: Int = DistributedDataParallel.defaultBucketBytes) {
        trainer.distribute(over: group, bucketBytes: bucketBytes)
        trainingWindows.shard(rank: group.rank, worldSize: group.worldSize)
    }
}
