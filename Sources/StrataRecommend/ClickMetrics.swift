import Foundation
import StrataCore

/// Quality of click probabilities: log loss, accuracy at 0.5 and ROC AUC.
///
/// ```swift
/// let m = ClickMetrics.evaluate(probabilities: [0.9, 0.2, 0.6], labels: [true, false, false])
/// m.auc   // 1.0
/// ```
public struct ClickMetrics: Sendable {
    public var logLoss = 0.0, accuracy = 0.0, auc = 0.0

    /// Keyed as in `--json` output.
    public var named: [String: Double] { ["logloss": logLoss, "accuracy": accuracy, "auc": auc] }

    public static func evaluate(probabilities: [Float], labels: [Bool]) -> ClickMetrics {
        ensure(probabilities.count == labels.count, "ClickMetrics: \(probabilities.count) probabilities for \(labels.count) labels")
        var m = ClickMetrics()
        guard !labels.isEmpty else { return ClickMetrics(logLoss: .nan, accuracy: .nan, auc: .nan) }
        for (p, y) in zip(probabilities, labels) {
            let q = Swift.min(Swift.max(Double(p), 1e-7), 1 - 1e-7)
            m.logLoss -= y ? Foundation.log(q) : Foundation.log(1 - q)
            m.accuracy += (p >= 0.5) == y ? 1 : 0
        }
        m.logLoss /= Double(labels.count)
        m.accuracy /= Double(labels.count)
        // AUC by the rank-sum formula, with tied scores sharing their average rank.
        let order = probabilities.indices.sorted { probabilities[$0] < probabilities[$1] }
        var rankSum = 0.0, start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && probabilities[order[end + 1]] == probabilities[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1
            for n in start...end where labels[order[n]] { rankSum += averageRank }
            start = end + 1
        }
        let positives = Double(labels.filter { $0 }.count), negatives = Double(labels.count) - positives
        m.auc = positives == 0 || negatives == 0 ? .nan : (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
        return m
    }
}
