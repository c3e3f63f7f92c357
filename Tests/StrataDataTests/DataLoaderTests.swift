import Foundation
import StrataCore
import StrataData
import Testing

// TensorDataset and DataLoader, through the public API only. Example i has inputs
// [i, i + 0.5, i + 0.25] and target i, so every batch says which examples it holds.

/// `count` examples: inputs [count, 3] with row i = [i, i + 0.5, i + 0.25], targets [count] = i.
private func numberedDataset(_ count: Int) -> TensorDataset {
    let rows = (0..<count).flatMap { i in [Float(i), Float(i) + 0.5, Float(i) + 0.25] }
    return TensorDataset(inputs: Tensor(rows, shape: [count, 3]), targets: Tensor((0..<count).map(Int64.init)))
}

/// The example indices of each batch of `epoch`, read from the targets.
private func batchIndices(_ loader: DataLoader, epoch: Int) -> [[Int]] {
    loader.epoch(epoch).map { batch in batch.targets.toArray(as: Int64.self).map(Int.init) }
}

@Suite("TensorDataset")
struct TensorDatasetTests {
    @Test("batch picks the requested rows of inputs and targets, in the order asked")
    func batchPicksRows() {
        let data = numberedDataset(10)
        let batch = data.batch([7, 0, 3, 3])
        #expect(batch.inputs.shape == [4, 3])
        #expect(batch.targets.shape == [4])
        #expect(batch.targets.toArray(as: Int64.self) == [7, 0, 3, 3])
        #expect(batch.inputs.floats == [7, 7.5, 7.25, 0, 0.5, 0.25, 3, 3.5, 3.25, 3, 3.5, 3.25])
    }

    @Test("batch keeps the trailing axes of higher-rank inputs")
    func batchOfImages() {
        let images = Tensor((0..<(5 * 2 * 2)).map(Float.init), shape: [5, 1, 2, 2])
        let data = TensorDataset(inputs: images, targets: Tensor((0..<5).map(Int64.init)))
        let batch = data.batch([4, 1])
        #expect(batch.inputs.shape == [2, 1, 2, 2])
        #expect(batch.inputs.floats == [16, 17, 18, 19, 4, 5, 6, 7])
    }

    @Test("subset takes a contiguous range of examples")
    func subset() {
        let part = numberedDataset(10).subset(2..<5)
        #expect(part.count == 3)
        #expect(part.targets.toArray(as: Int64.self) == [2, 3, 4])
        #expect(part.inputs.floats == [2, 2.5, 2.25, 3, 3.5, 3.25, 4, 4.5, 4.25])
    }

    @Test("split(validationFraction:) holds out the last fraction of the examples")
    func splitHoldsOutTheEnd() {
        let (train, validation) = numberedDataset(10).split(validationFraction: 0.2)
        #expect(train.count == 8)
        #expect(validation.count == 2)
        #expect(train.targets.toArray(as: Int64.self) == (0..<8).map(Int64.init))
        #expect(validation.targets.toArray(as: Int64.self) == [8, 9])
        #expect(validation.inputs.floats == [8, 8.5, 8.25, 9, 9.5, 9.25])

        // 10% of 25 is 2.5, rounded to 3 held out (Keras-style: the tail is the validation set).
        let (a, b) = numberedDataset(25).split(validationFraction: 0.1)
        #expect(a.count + b.count == 25)
        #expect(b.count == 3)
        #expect(b.targets.toArray(as: Int64.self) == [22, 23, 24])
    }
}

@Suite("DataLoader")
struct DataLoaderTests {
    @Test("for batch in loader runs epoch 0, then epoch 1 (a new shuffle), as PyTorch's loader does")
    func loaderIsASequence() {
        let loader = DataLoader(numberedDataset(12), batchSize: 5, shuffle: true, seed: 4, prefetch: 0)
        var passes: [[[Int]]] = []
        for _ in 0..<2 {
            var pass: [[Int]] = []
            for batch in loader { pass.append(batch.targets.toArray(as: Int64.self).map(Int.init)) }
            passes.append(pass)
        }
        #expect(passes[0] == batchIndices(loader, epoch: 0))
        #expect(passes[1] == batchIndices(loader, epoch: 1))
        #expect(passes[0] != passes[1])
    }

    @Test("batchCount rounds up, or down with dropLast; the last batch is short unless dropped")
    func batchCount() {
        let data = numberedDataset(10)
        #expect(DataLoader(data, batchSize: 3).batchCount == 4)
        #expect(DataLoader(data, batchSize: 3, dropLast: true).batchCount == 3)
        #expect(DataLoader(data, batchSize: 5).batchCount == 2)
        #expect(DataLoader(data, batchSize: 5, dropLast: true).batchCount == 2)
        #expect(DataLoader(data, batchSize: 20).batchCount == 1)
        #expect(DataLoader(data, batchSize: 20, dropLast: true).batchCount == 0)

        let sizes = batchIndices(DataLoader(data, batchSize: 3), epoch: 0).map(\.count)
        #expect(sizes == [3, 3, 3, 1])
        let dropped = batchIndices(DataLoader(data, batchSize: 3, shuffle: true, seed: 5, dropLast: true), epoch: 0)
        #expect(dropped.map(\.count) == [3, 3, 3])
        #expect(Set(dropped.joined()).count == 9)
        #expect(DataLoader(data, batchSize: 20, dropLast: true).epoch(0).map { $0 }.isEmpty)
    }

    @Test("every example appears exactly once per epoch, shuffled or not", arguments: [false, true])
    func everyExampleOnce(shuffle: Bool) {
        let loader = DataLoader(numberedDataset(103), batchSize: 8, shuffle: shuffle, seed: 11)
        for epoch in 0..<3 {
            let seen = batchIndices(loader, epoch: epoch)
            #expect(seen.count == loader.batchCount)
            #expect(seen.joined().sorted() == Array(0..<103), "epoch \(epoch)")
            // The batch's inputs are the rows of those examples.
            let first = loader.epoch(epoch).next()!
            let ids = first.targets.toArray(as: Int64.self)
            #expect(first.inputs.floats == ids.flatMap { [Float($0), Float($0) + 0.5, Float($0) + 0.25] })
        }
    }

    @Test("the same seed and epoch give the same order; another epoch or seed another order")
    func seededOrder() {
        let data = numberedDataset(64)
        let a = DataLoader(data, batchSize: 16, shuffle: true, seed: 42)
        let b = DataLoader(data, batchSize: 16, shuffle: true, seed: 42)
        #expect(batchIndices(a, epoch: 0) == batchIndices(b, epoch: 0))
        #expect(batchIndices(a, epoch: 3) == batchIndices(b, epoch: 3))
        #expect(a.order(epoch: 3) == b.order(epoch: 3))
        #expect(Array(batchIndices(a, epoch: 3).joined()) == a.order(epoch: 3))
        #expect(a.order(epoch: 0) != a.order(epoch: 1))
        #expect(batchIndices(a, epoch: 0) != batchIndices(a, epoch: 1))
        #expect(a.order(epoch: 0) != DataLoader(data, batchSize: 16, shuffle: true, seed: 43).order(epoch: 0))
        #expect(a.order(epoch: 0) != Array(0..<64), "a shuffled order should not be the identity")
    }

    @Test("shuffle: false keeps the dataset order in every epoch")
    func unshuffled() {
        let loader = DataLoader(numberedDataset(10), batchSize: 4, seed: 42)
        #expect(batchIndices(loader, epoch: 0) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        #expect(batchIndices(loader, epoch: 5) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    }

    @Test("prefetch 0, 1, 2 and 8 give identical batches")
    func prefetchDoesNotChangeBatches() {
        let data = numberedDataset(50)
        func batches(prefetch: Int) -> [([Float], [Int64])] {
            DataLoader(data, batchSize: 7, shuffle: true, seed: 3, prefetch: prefetch).epoch(2).map {
                ($0.inputs.floats, $0.targets.toArray(as: Int64.self))
            }
        }
        let reference = batches(prefetch: 0)
        #expect(reference.count == 8)
        for prefetch in [1, 2, 8] {
            let other = batches(prefetch: prefetch)
            #expect(other.count == reference.count)
            for (x, y) in zip(reference, other) {
                #expect(x.0 == y.0 && x.1 == y.1, "prefetch \(prefetch)")
            }
        }
    }

    @Test("prefetching epochs run to the end many times without stalling", .timeLimit(.minutes(1)))
    func manyPrefetchingEpochs() {
        // A consumer that is much faster than the producer exercises the hand-over between
        // the two threads; with prefetch 1 a lost wake-up would hang here.
        let data = numberedDataset(40)
        for prefetch in [1, 2] {
            let loader = DataLoader(data, batchSize: 1, shuffle: true, seed: 9, prefetch: prefetch)
            for epoch in 0..<50 {
                #expect(loader.epoch(epoch).reduce(0) { $0 + $1.targets.count } == 40)
            }
        }
    }

    @Test("rank/worldSize shards are disjoint, cover the data and have the sizes batchCount says",
          arguments: [(10, 3), (12, 4), (7, 2), (5, 8)])
    func shards(count: Int, worldSize: Int) {
        let data = numberedDataset(count)
        for shuffle in [false, true] {
            var all: [Int] = []
            for rank in 0..<worldSize {
                let loader = DataLoader(data, batchSize: 2, shuffle: shuffle, seed: 7, rank: rank, worldSize: worldSize)
                let shard = Array(batchIndices(loader, epoch: 1).joined())
                #expect(shard == loader.order(epoch: 1))
                #expect(loader.batchCount == (shard.count + 1) / 2)
                // Shards differ in size by at most one example.
                #expect(abs(shard.count - count / worldSize) <= 1)
                all += shard
            }
            #expect(all.count == count, "shuffle \(shuffle): shards overlap or miss examples")
            #expect(all.sorted() == Array(0..<count), "shuffle \(shuffle)")
        }
    }

    @Test("the ranks of a shuffled loader split one shared permutation")
    func shardsFollowOnePermutation() {
        let data = numberedDataset(12)
        let whole = DataLoader(data, batchSize: 4, shuffle: true, seed: 21).order(epoch: 4)
        let rank1 = DataLoader(data, batchSize: 4, shuffle: true, seed: 21, rank: 1, worldSize: 3).order(epoch: 4)
        #expect(rank1 == [whole[1], whole[4], whole[7], whole[10]])
    }

    @Test("an epoch abandoned halfway is released and its producer thread ends", .timeLimit(.minutes(1)))
    func abandonedEpochsDoNotLeak() async throws {
        let data = numberedDataset(64)
        let threadsBefore = liveThreadCount()
        var released = 0
        for round in 0..<200 {
            weak var watched: EpochBatches?
            do {
                let epoch = DataLoader(data, batchSize: 4, shuffle: true, seed: UInt64(round), prefetch: 2).epoch(round)
                watched = epoch
                _ = epoch.next()
                _ = epoch.next()
            }
            // The producer may still be storing a batch; give it a moment to let go.
            var waited = 0
            while watched != nil && waited < 200 {
                try await Task.sleep(nanoseconds: 1_000_000)
                waited += 1
            }
            if watched == nil { released += 1 } else { break }
        }
        #expect(released == 200, "only \(released) of 200 abandoned epochs were released")

        // No producer threads are left waiting (tolerating other tests' threads coming and going).
        if let before = threadsBefore {
            var after = liveThreadCount() ?? 0
            for _ in 0..<100 where after > before + 40 {
                try await Task.sleep(nanoseconds: 10_000_000)
                after = liveThreadCount() ?? 0
            }
            #expect(after <= before + 40, "threads: \(before) before, \(after) after abandoning 200 epochs")
        }
    }
}

/// The number of threads in this process (Linux: /proc/self/status), or nil elsewhere.
private func liveThreadCount() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("Threads:") {
        return Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces))
    }
    return nil
}

@Suite("DataLoader for data-parallel training")
struct DataLoaderGlobalBatchTests {
    /// For every global step, the union of the ranks' batches (a rank whose shard ran out gives
    /// none) is the batch one process takes with the global batch size: what makes N processes
    /// train like one.
    @Test("the ranks' batches of each step together are the one-process batch",
          arguments: [(9, 2, 2), (10, 2, 2), (11, 2, 3), (17, 3, 2), (25, 3, 4), (7, 2, 1)])
    func ranksMakeTheGlobalBatch(count: Int, worldSize: Int, perRank: Int) {
        let data = numberedDataset(count)
        for dropLast in [false, true] {
            let single = DataLoader(data, batchSize: perRank * worldSize, shuffle: true, seed: 5, dropLast: dropLast)
            let ranks = (0..<worldSize).map {
                DataLoader(data, batchSize: perRank, shuffle: true, seed: 5, dropLast: dropLast, rank: $0, worldSize: worldSize)
            }
            let expected = batchIndices(single, epoch: 3)
            #expect(ranks.allSatisfy { $0.globalBatchCount == expected.count && $0.globalBatchSize == perRank * worldSize })
            let perRankBatches = ranks.map { batchIndices($0, epoch: 3) }
            for step in expected.indices {
                let union = perRankBatches.flatMap { step < $0.count ? $0[step] : [] }
                #expect(union.sorted() == expected[step].sorted(), "count \(count), \(worldSize) ranks, step \(step), dropLast \(dropLast)")
                #expect(ranks[0].globalSamples(inBatch: step) == expected[step].count)
            }
        }
    }
}
