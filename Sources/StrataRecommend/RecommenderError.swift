/// A recommender failure to report to the user: an unknown id, a split the data cannot
/// support, a missing or malformed checkpoint. The message says what and where.
///
/// ```swift
/// throw RecommenderError("unknown user 'alice' (the checkpoint knows 943 users)")
/// ```
public struct RecommenderError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
