/// One user-item interaction: dense user and item indices (see `IDMap`), a rating
/// (1 for implicit feedback without a rating column) and an optional timestamp.
///
/// ```swift
/// let r = Rating(user: 0, item: 4, value: 3.5, timestamp: 881250949)
/// ```
public struct Rating: Equatable, Sendable {
    public var user: Int32
    public var item: Int32
    public var value: Float
    public var timestamp: Int64?

    public init(user: Int32, item: Int32, value: Float, timestamp: Int64? = nil) {
        self.user = user; self.item = item; self.value = value; self.timestamp = timestamp
    }
}

/// A row of a ratings file that was skipped, with the reason.
public struct SkippedRow: Equatable, Sendable, CustomStringConvertible {
    public let path: String
    /// 1-based line number in the file.
    public let line: Int
    public let reason: String
    public var description: String { "\(path):\(line): \(reason)" }
}

/// Interactions with the id maps that give their indices meaning.
///
/// ```swift
/// let table = try RatingTable.read(path: "ml-100k/u.data")
/// print(table.users.count, table.items.count, table.ratings.count)
/// ```
public struct RatingTable: Sendable {
    public var users: IDMap
    public var items: IDMap
    public var ratings: [Rating]
    /// Rows of the source file that could not be read (empty for tables built in memory).
    public var skipped: [SkippedRow] = []

    public init(users: IDMap, items: IDMap, ratings: [Rating]) {
        self.users = users; self.items = items; self.ratings = ratings
    }

    /// The mean rating (0 for an empty table).
    public var meanRating: Double {
        ratings.isEmpty ? 0 : ratings.reduce(0.0) { $0 + Double($1.value) } / Double(ratings.count)
    }

    /// Whether every rating has a timestamp (needed by the leave-last-out split).
    public var hasTimestamps: Bool { ratings.allSatisfy { $0.timestamp != nil } }

    /// A table over the same id maps holding only `ratings`.
    public func with(_ ratings: [Rating]) -> RatingTable {
        RatingTable(users: users, items: items, ratings: ratings)
    }

    /// The items each user interacted with, by user index (sorted, without repeats).
    public func itemsByUser() -> [[Int32]] {
        var out = [[Int32]](repeating: [], count: users.count)
        for r in ratings { out[Int(r.user)].append(r.item) }
        return out.map { Array(Set($0)).sorted() }
    }
}
