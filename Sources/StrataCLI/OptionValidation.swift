import ArgumentParser

/// Range checks for numeric flags, shared by every command's `validate()`: each failure is a
/// `ValidationError` that names the flag, the allowed range and the value given.
///
/// ```swift
/// func validate() throws {
///     try OptionCheck.int(batchSize, "--batch-size", in: 1...65_536)
///     try OptionCheck.double(lr, "--lr", in: 0...10, open: .lower)   // 0 < lr ≤ 10
/// }
/// ```
enum OptionCheck {
    /// Which ends of a real range are excluded.
    enum OpenEnd { case none, lower, upper, both }

    /// Checks an integer flag (nil: not given, nothing to check).
    static func int(_ value: Int?, _ flag: String, in range: ClosedRange<Int>) throws {
        guard let value else { return }
        guard range.contains(value) else {
            throw ValidationError("\(flag) must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
    }

    /// Checks a real-valued flag: finite, and inside `range` with the ends `open` excludes.
    static func double(_ value: Double?, _ flag: String, in range: ClosedRange<Double>, open: OpenEnd = .none) throws {
        guard let value else { return }
        let lowerOK = open == .lower || open == .both ? value > range.lowerBound : value >= range.lowerBound
        let upperOK = open == .upper || open == .both ? value < range.upperBound : value <= range.upperBound
        guard value.isFinite, lowerOK, upperOK else {
            let lo = open == .lower || open == .both ? "(" : "["
            let hi = open == .upper || open == .both ? ")" : "]"
            throw ValidationError("\(flag) must be a finite number in \(lo)\(range.lowerBound), \(range.upperBound)\(hi), got \(value)")
        }
    }

    /// The whole numbers of a comma-separated list flag (`--hidden 256,128`), each in `range`
    /// (and exactly `count` of them when given); nil when `text` is not such a list.
    static func sizes(_ text: String, count: Int? = nil, in range: ClosedRange<Int>) -> [Int]? {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, count.map({ values.count == $0 }) ?? true,
              values.allSatisfy({ $0.map(range.contains) ?? false }) else { return nil }
        return values.map { $0! }
    }

    /// Checks a float flag (as `double`).
    static func float(_ value: Float?, _ flag: String, in range: ClosedRange<Double>, open: OpenEnd = .none) throws {
        try double(value.map(Double.init), flag, in: range, open: open)
    }
}
