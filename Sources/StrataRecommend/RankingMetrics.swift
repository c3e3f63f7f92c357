import Foundation
import StrataCore

/// Error of predicted ratings against true ones.
///
/// ```swift
/// let (rmse, mae) = RatingMetrics.errors(predicted: [3.5, 4], actual: [4, 4])   // (0.354, 0.25)
/// ```
public enum RatingMetrics {
    /// Root mean squared error and mean absolute error (NaN for no ratings).
    public static func errors(predicted: [Float], actual: [Float]) -> (rmse: Double, mae: Double) {
        ensure(predicted.count == actual.count, "RatingMetrics: \(predicted.count) predictions for \(actual.count) ratings")
        guard !actual.isEmpty else { return (.nan, .nan) }
        var squared = 0.0, absolute = 0.0
        for (p, a) in zip(predicted, actual) {
            let e = Double(p) - Double(a)
            squared += e * e
            absolute += Swift.abs(e)
        }
        return ((squared / Double(actual.count)).squareRoot(), absolute / Double(actual.count))
    }

    /// Rating errors of `model` on `table`, with predictions clipped to `range` (the rating scale).
    public static func evaluate(_ model: Recommender, on table: RatingTable, range: ClosedRange<Float>? = nil) -> (rmse: Double, mae: Double) {
        var predicted = model.predictions(users: table.ratings.map(\.user), items: table.ratings.map(\.item))
        if let range { predicted = predicted.map { Swift.min(Swift.max($0, range.lowerBound), range.upperBound) } }
        return errors(predicted: predicted, actual: table.ratings.map(\.value))
    }
}

/// Top-k ranking quality, averaged over the users that have held-out items.
///
/// For each such user every item is scored, the items seen in training are left out, and the
/// `k` best are compared with the held-out items: precision@k = hits / k, recall@k = hits /
/// held-out count, NDCG@k = DCG / ideal DCG (binary relevance, log₂ discount), hit rate@k =
/// share of users with at least one hit.
///
/// ```swift
/// let m = RankingMetrics.evaluate(model, train: train, test: test, k: 10)
/// print(m.recall, m.ndcg)
/// ```
public struct RankingMetrics: Sendable {
    public let k: Int
    public var precision = 0.0, recall = 0.0, ndcg = 0.0, hitRate = 0.0
    /// Number of users evaluated.
    public var users = 0

    /// The metrics keyed as in `--json` output: `recall_at_10`, `ndcg_at_10`, ...
    public var named: [String: Double] {
        ["precision_at_\(k)": precision, "recall_at_\(k)": recall, "ndcg_at_\(k)": ndcg, "hit_rate_at_\(k)": hitRate]
    }

    /// Ranking metrics of `model`, scoring all items for each user with held-out interactions.
    public static func evaluate(_ model: Recommender, train: RatingTable, test: RatingTable, k: Int) -> RankingMetrics {
        evaluate(train: train, test: test, k: k) { model.scoresForAllItems(user: $0) }
    }

    /// Ranking metrics for any scorer of all items for a user.
    public static func evaluate(train: RatingTable, test: RatingTable, k: Int, scores: (Int) -> [Float]) -> RankingMetrics {
        let seen = train.itemsByUser(), held = test.itemsByUser()
        var m = RankingMetrics(k: k)
        for (user, relevant) in held.enumerated() where !relevant.isEmpty {
            let top = Self.top(k, of: scores(user), excluding: Set(seen[user]))
            let wanted = Set(relevant)
            var hits = 0, dcg = 0.0
            for (rank, item) in top.enumerated() where wanted.contains(item) {
                hits += 1
                dcg += 1 / Foundation.log2(Double(rank + 2))
            }
            let ideal = (0..<Swift.min(k, relevant.count)).reduce(0.0) { $0 + 1 / Foundation.log2(Double($1 + 2)) }
            m.precision += Double(hits) / Double(k)
            m.recall += Double(hits) / Double(relevant.count)
            m.ndcg += dcg / ideal
            m.hitRate += hits > 0 ? 1 : 0
            m.users += 1
        }
        if m.users > 0 {
            let n = Double(m.users)
            m.precision /= n; m.recall /= n; m.ndcg /= n; m.hitRate /= n
        }
        return m
    }

    /// The same metrics for the most-popular-items ranking (items scored by their number of
    /// training interactions): the baseline a personalised model has to beat.
    public static func popularityBaseline(train: RatingTable, test: RatingTable, k: Int) -> RankingMetrics {
        var counts = [Float](repeating: 0, count: train.items.count)
        for r in train.ratings { counts[Int(r.item)] += 1 }
        return evaluate(train: train, test: test, k: k) { _ in counts }
    }

    /// Indices of the `k` largest scores not in `excluding`, best first (ties: lower index first).
    public static func top(_ k: Int, of scores: [Float], excluding: Set<Int32> = []) -> [Int32] {
        var best: [(score: Float, item: Int32)] = []
        best.reserveCapacity(k + 1)
        func better(_ a: (score: Float, item: Int32), _ b: (score: Float, item: Int32)) -> Bool {
            a.score > b.score || (a.score == b.score && a.item < b.item)
        }
        for (i, s) in scores.enumerated() where !excluding.contains(Int32(i)) && !s.isNaN {
            let candidate = (score: s, item: Int32(i))
            if best.count == k, let last = best.last, !better(candidate, last) { continue }
            let at = best.firstIndex { better(candidate, $0) } ?? best.count
            best.insert(candidate, at: at)
            if best.count > k { best.removeLast() }
        }
        return best.map(\.item)
    }
}
