import StrataCore

/// How interactions are divided into a training part and a held-out part.
public enum RatingSplit: Sendable, Equatable {
    /// Each interaction is held out with probability `testFraction` (an exact share, shuffled
    /// with `seed`).
    case random(testFraction: Double, seed: UInt64)
    /// Each user's latest interaction (by timestamp; ties broken by file order) is held out;
    /// users with a single interaction keep it for training.
    case leaveLastOut
    /// `testFraction` of each user's interactions (rounded down, at least one when the user
    /// has two or more) is held out, chosen at random with `seed`.
    case perUser(testFraction: Double, seed: UInt64)
}

extension RatingTable {
    /// Splits the interactions into training and held-out tables over the same id maps.
    ///
    /// ```swift
    /// let (train, test) = try table.split(.random(testFraction: 0.2, seed: 42))
    /// ```
    public func split(_ split: RatingSplit) throws -> (train: RatingTable, test: RatingTable) {
        var train: [Rating] = [], test: [Rating] = []
        switch split {
        case .random(let fraction, let seed):
            var rng = RandomGenerator(seed: seed)
            var order = Array(ratings.indices)
            order.shuffle(using: &rng)
            let held = Int((Double(ratings.count) * fraction).rounded())
            var isTest = [Bool](repeating: false, count: ratings.count)
            for k in order.prefix(held) { isTest[k] = true }
            for (k, r) in ratings.enumerated() { if isTest[k] { test.append(r) } else { train.append(r) } }
        case .leaveLastOut:
            guard hasTimestamps else {
                throw RecommenderError("leave-last-out needs a timestamp on every rating; this data has none (use a random split)")
            }
            for rows in rowsByUser() where !rows.isEmpty {
                let last = rows.max { (ratings[$0].timestamp!, $0) < (ratings[$1].timestamp!, $1) }!
                for k in rows { if k == last && rows.count > 1 { test.append(ratings[k]) } else { train.append(ratings[k]) } }
            }
        case .perUser(let fraction, let seed):
            var rng = RandomGenerator(seed: seed)
            for var rows in rowsByUser() where !rows.isEmpty {
                rows.shuffle(using: &rng)
                let held = rows.count < 2 ? 0 : Swift.max(1, Int(Double(rows.count) * fraction))
                for (n, k) in rows.enumerated() { if n < held { test.append(ratings[k]) } else { train.append(ratings[k]) } }
            }
        }
        return (with(train), with(test))
    }

    /// Row positions of each user's interactions, by user index, in file order.
    func rowsByUser() -> [[Int]] {
        var out = [[Int]](repeating: [], count: users.count)
        for (k, r) in ratings.enumerated() { out[Int(r.user)].append(k) }
        return out
    }
}
