import Foundation
import Strata

extension BenchCommand {
    /// mf-recsys: biased matrix factorisation (943 users, 1,682 items, 32 factors), MSE,
    /// Adam 1e-3, batch 1024, over 100,000 synthetic MovieLens-shaped ratings; one warm-up
    /// epoch, then one measured epoch per run (5 by default, the workload's 5 epochs).
    /// `STRATA_BENCH_MF_COMPOSITE=1` trains with composite ops (gather, multiply, sum, add)
    /// instead of the fused scoring op, to show what the fusion is worth.
    func mfRecsys() -> BenchmarkReport {
        var report = BenchmarkReport(workload: "mf-recsys")
        let table = SyntheticRatings.movieLensShaped(seed: 1)
        Tensor.manualSeed(1)
        let model = MatrixFactorization(.init(users: 943, items: 1682, factors: 32), globalMean: table.meanRating)
        let optimizer = Adam(model.parameters(), learningRate: 1e-3)
        let composite = ProcessInfo.processInfo.environment["STRATA_BENCH_MF_COMPOSITE"] == "1"
        let users = table.ratings.map(\.user), items = table.ratings.map(\.item), values = table.ratings.map(\.value)
        var rng = RandomGenerator(seed: 2)
        var order = Array(0..<table.ratings.count)
        let batch = 1024
        func epoch() {
            order.shuffle(using: &rng)
            for start in stride(from: 0, to: order.count, by: batch) {
                let rows = order[start..<Swift.min(order.count, start + batch)]
                let u = rows.map { users[$0] }, i = rows.map { items[$0] }
                let prediction = composite ? compositeScores(model, users: u, items: i) : model(users: u, items: i)
                let loss = mseLoss(prediction, Tensor(rows.map { values[$0] }))
                optimizer.zeroGradients()
                loss.backward()
                optimizer.step()
            }
        }
        let seconds = Measure.repeated(runs: runs, warmup: 1, epoch)
        report.results.append(BenchmarkFigure(name: "train", unit: "ratings/s", values: seconds.map { Double(order.count) / $0 }))
        return report
    }

    /// The MF scores from general ops, as a framework without the fused op would compute them.
    private func compositeScores(_ m: MatrixFactorization, users: [Int32], items: [Int32]) -> Tensor {
        let u = Tensor(users), i = Tensor(items)
        return (m.userFactors[indices: u] * m.itemFactors[indices: i]).sum(axis: 1)
            + m.userBias[indices: u] + m.itemBias[indices: i] + m.globalMean
    }
}
