import StrataCore
import StrataNN

/// The recommender families this module trains.
public enum RecommenderKind: String, Codable, Sendable, CaseIterable {
    case matrixFactorization = "mf"
    case deepFM = "deepfm"
    case lightGCN = "lightgcn"
}

/// A trained model that scores user-item pairs: a predicted rating for rating models,
/// a click probability for DeepFM on clicks, a ranking score for LightGCN.
///
/// ```swift
/// let scores = model.predictions(users: [0, 0], items: [3, 7])
/// let top = model.topItems(user: 0, count: 10, excluding: [3])
/// ```
public protocol Recommender: Module {
    var kind: RecommenderKind { get }
    var userCount: Int { get }
    var itemCount: Int { get }
    /// Scores for the pairs `(users[b], items[b])`, computed without recording gradients.
    func predictions(users: [Int32], items: [Int32]) -> [Float]
    /// The model's hyper-parameters as JSON, to rebuild it from a checkpoint.
    func configJSON() throws -> String
}

extension Recommender {
    /// Scores of every item for one user.
    public func scoresForAllItems(user: Int) -> [Float] {
        predictions(users: [Int32](repeating: Int32(user), count: itemCount), items: (0..<Int32(itemCount)).map { $0 })
    }

    /// The `count` best-scored items for `user`, leaving out `excluding` (e.g. the items the
    /// user already rated), best first; ties go to the lower index.
    public func topItems(user: Int, count: Int, excluding: Set<Int32> = []) -> [(item: Int32, score: Float)] {
        let scores = scoresForAllItems(user: user)
        return RankingMetrics.top(count, of: scores, excluding: excluding).map { ($0, scores[Int($0)]) }
    }
}
