import Foundation
import Testing
import StrataCore
import StrataIO
import StrataTrain
import StrataRecommend

/// Recommenders train through `Trainer`, so a checkpoint resumes them exactly: a run stopped after
/// 2 epochs and continued from its checkpoint by a fresh model and trainer ends with the weights,
/// optimizer state, batch position and history of the uninterrupted 4-epoch run, bit for bit
/// (DeepFM with dropout: the global generator is restored too; LightGCN: the negative sampler).
@Suite struct RecommenderResumeTests {
    let table = SyntheticRatings.lowRank(users: 60, items: 50, count: 1500, rank: 3, signal: 1, noise: 0.3, seed: 3)

    func make(_ kind: RecommenderKind, train: RatingTable, test: RatingTable) -> RecommenderTrainer {
        Tensor.manualSeed(7)
        let options = TrainingOptions(epochs: 4, batchSize: 128, learningRate: 1e-2, l2: 0.01, seed: 5)
        let (users, items) = (table.users.count, table.items.count)
        switch kind {
        case .matrixFactorization:
            return MatrixFactorization(.init(users: users, items: items, factors: 8), globalMean: train.meanRating)
                .training(on: train, validation: test, options: options)
        case .deepFM:
            return DeepFM(.init(users: users, items: items, factors: 8, hidden: [16], dropout: 0.5), globalMean: train.meanRating)
                .training(on: train, validation: test, options: options)
        case .lightGCN:
            return LightGCN(.init(users: users, items: items, factors: 8, layers: 2)).training(on: train, validation: test, options: options)
        }
    }

    @Test(arguments: RecommenderKind.allCases)
    func resumeIsExact(_ kind: RecommenderKind) throws {
        // A generator of its own (DeepFM's dropout draws from it): tests running in parallel cannot draw from it.
        try GlobalRandom.isolated { try resumeExperiment(kind) }
    }

    func resumeExperiment(_ kind: RecommenderKind) throws {
        let directory = NSTemporaryDirectory() + "strata-recommender-resume-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (train, test) = try table.split(kind == .lightGCN ? .perUser(testFraction: 0.2, seed: 1) : .random(testFraction: 0.2, seed: 1))
        let whole = make(kind, train: train, test: test)
        try whole.fit()
        #expect(whole.trainer.epoch == 4)

        let path = directory + "/training.safetensors"
        let first = make(kind, train: train, test: test)
        try first.fit(callbacks: [StepLimit(steps: 2 * first.batches.stepCount(epoch: 0)), ModelCheckpoint(path: path)])
        #expect(first.trainer.epoch == 2)
        let checkpoint = try TrainingCheckpoint.load(path: path)
        #expect(checkpoint.dataState?.count == (kind == .lightGCN ? 8 : 4))
        Tensor.manualSeed(999)   // another process: the generators come from the checkpoint
        let resumed = make(kind, train: train, test: test)
        try checkpoint.restore(into: resumed.trainer)
        try resumed.fit()
        #expect(resumed.trainer.epoch == 4 && resumed.trainer.globalStep == whole.trainer.globalStep)

        let a = whole.model.stateDict(), b = resumed.model.stateDict()
        #expect(a.keys.sorted() == b.keys.sorted())
        for (key, t) in a {
            #expect(t.toArray(as: Float.self).map(\.bitPattern) == b[key]!.toArray(as: Float.self).map(\.bitPattern), "\(kind): \(key)")
        }
        let optimizerA = whole.trainer.optimizer.stateDict(), optimizerB = resumed.trainer.optimizer.stateDict()
        for (key, t) in optimizerA {
            #expect(t.toArray(as: Float.self).map(\.bitPattern) == optimizerB[key]?.toArray(as: Float.self).map(\.bitPattern), "\(kind): optimizer \(key)")
        }
        #expect(whole.batches.state == resumed.batches.state)
        let figures = whole.trainer.history.values.keys.filter { $0 == "loss" || $0.hasPrefix("val_") }
        #expect(figures.count >= 3, "\(figures)")   // the loss and at least two held-out figures
        for figure in figures {
            #expect(whole.trainer.history[figure] == resumed.trainer.history[figure], "\(kind): \(figure)")
        }
        #expect(resumed.trainer.history["loss"].count == 4)
        #expect(whole.lastValidation == resumed.lastValidation && !whole.lastValidation.isEmpty)
    }

    /// The batches' position is the shuffling generator (and the negative sampler's): a source
    /// restored from another's state deals the same next epoch; one that is not deals another.
    @Test func batchPositionRestores() throws {
        func source(_ seed: UInt64) -> RatingBatches {
            RatingBatches(table, batchSize: 100, seed: seed, negatives: NegativeSampler(table, seed: seed + 1))
        }
        func epoch(_ batches: RatingBatches, _ e: Int) -> [[Int32]] {
            Array(batches.batches(epoch: e)).map { $0.inputs.toArray(as: Int32.self) }
        }
        let a = source(1)
        let first = epoch(a, 0)
        #expect(first.count == 15 && a.stepCount(epoch: 0) == 15)
        let saved = a.state
        #expect(saved.count == 8)
        let b = source(2), c = source(2)
        try b.restore(state: saved)
        let next = epoch(a, 1)
        #expect(next != first)   // a new permutation every epoch
        #expect(epoch(b, 1) == next)
        #expect(epoch(c, 1) != next)
        // Every interaction once per epoch, with a negative the user has not seen.
        let seen = table.itemsByUser().map(Set.init)
        let rows = next.flatMap { batch in stride(from: 0, to: batch.count, by: 3).map { Array(batch[$0..<($0 + 3)]) } }
        #expect(rows.count == table.ratings.count)
        #expect(Set(rows.map { "\($0[0])-\($0[1])" }) == Set(table.ratings.map { "\($0.user)-\($0.item)" }))
        // (A user who rated every item gets any item: the most active users of this table do.)
        let unseen = rows.filter { seen[Int($0[0])].count < table.items.count }
        #expect(unseen.count > rows.count / 2 && unseen.allSatisfy { !seen[Int($0[0])].contains($0[2]) })

        #expect(throws: FileError.self) { try b.restore(state: [1, 2, 3, 4]) }   // the sampler's words are missing
        #expect(throws: FileError.self) { try RatingBatches(table, batchSize: 10, seed: 1).restore(state: [0, 0, 0, 0]) }
    }
}
