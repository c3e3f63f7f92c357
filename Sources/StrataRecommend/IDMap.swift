/// A two-way map between the ids a data file uses (any string: "196", "tt0114709",
/// "alice@example.com") and dense indices `0..<count`, in order of first appearance.
/// It is saved with a trained model so that predictions speak the user's ids.
///
/// ```swift
/// var users = IDMap()
/// users.insert("alice")   // 0
/// users.insert("bob")     // 1
/// users.index(of: "bob")  // 1
/// users.ids[0]            // "alice"
/// ```
public struct IDMap: Equatable, Sendable {
    /// The original ids, by dense index.
    public private(set) var ids: [String] = []
    private var indices: [String: Int] = [:]

    public init() {}

    /// A map holding `ids` in this order (duplicates keep their first index).
    public init<S: Sequence>(_ ids: S) where S.Element == String {
        for id in ids { insert(id) }
    }

    /// Number of distinct ids.
    public var count: Int { ids.count }

    /// The dense index of `id`, adding it when new.
    @discardableResult
    public mutating func insert(_ id: String) -> Int {
        if let i = indices[id] { return i }
        indices[id] = ids.count
        ids.append(id)
        return ids.count - 1
    }

    /// The dense index of `id`, or nil when the id is unknown.
    public func index(of id: String) -> Int? { indices[id] }
}
