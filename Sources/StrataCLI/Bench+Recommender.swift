import Foundation
import Strata

extension BenchCommand {
    /// mf-recsys: biased matrix factorisation (943 users, 1,682 items, 32 factors), MSE,
    /// Adam 1e-3, batch 1024, over 100,000 synthetic MovieLens-shaped ratings, trained through
    /// `Trainer` as `strata train recommender` does (without the L2 term and validation); one
    /// warm-up epoch, then one measured epoch per run (5 by default, the workload's 5 epochs).
    /// `STRATA_BENCH_MF_COMPOSITE=1` trains with composite ops (gather, multiply, sum, add)
    /// instead of the fused scoring op, to show what the fusion is worth.
    func mfRecsys() -> BenchmarkReport {
        var report = BenchmarkReport(workload: "mf-recsys")
        let table = SyntheticRatings.movieLensShaped(seed: 1)
        Tensor.manualSeed(1)
        let model = MatrixFactorization(.init(users: 943, items: 1682, factors: 32), globalMean: table.meanRating)
        let training = model.training(on: table, options: TrainingOptions(epochs: 1, batchSize: 1024, learningRate: 1e-3, l2: 0, seed: 2))
        if ProcessInfo.processInfo.environment["STRATA_BENCH_MF_COMPOSITE"] == "1" {
            training.trainer.trainStep = { batch in
                let (users, items, _) = RatingBatches.ids(batch.inputs)
                let prediction = compositeScores(model, users: users, items: items)
                return (prediction, mseLoss(prediction, batch.targets))
            }
        }
        let trainer = training.trainer
        let seconds = Measure.repeated(runs: runs, warmup: 1) {
            do { try trainer.fit(training.batches, epochs: trainer.epoch + 1) } catch { ensureFailure("mf-recsys: \(error)") }
        }
        report.results.append(BenchmarkFigure(name: "train", unit: "ratings/s", values: seconds.map { Double(table.ratings.count) / $0 }))
        return report
    }

    /// The MF scores from general ops, as a framework without the fused op would compute them.
    private func compositeScores(_ m: MatrixFactorization, users: [Int32], items: [Int32]) -> Tensor {
        let u = Tensor(users), i = Tensor(items)
        return (m.userFactors[indices: u] * m.itemFactors[indices: i]).sum(axis: 1)
            + m.userBias[indices: u] + m.itemBias[indices: i] + m.globalMean
    }
}
