import Foundation

/// A model configuration read from a file that cannot be built: the file, the key and what was
/// expected.
public struct ConfigError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The file (or other source) the configuration came from.
    public let source: String
    /// The configuration key at fault.
    public let key: String
    /// What was expected and what was found.
    public let message: String

    public init(source: String, key: String, message: String) {
        self.source = source; self.key = key; self.message = message
    }

    public var description: String { "\(source): config key '\(key)': \(message)" }
    public var errorDescription: String? { description }
}

/// Checks the values of a decoded configuration before a model is built from it, so that a
/// hostile or corrupt file is a thrown ``ConfigError`` rather than a crash or a huge allocation.
///
/// ```swift
/// let check = ConfigCheck(source: "model.safetensors")
/// try check.int(config.heads, "heads", in: 1...1024)
/// try check.require(config.width % config.heads == 0, "width", "\(config.width) is not a multiple of heads \(config.heads)")
/// ```
public struct ConfigCheck: Sendable {
    /// Names the configuration's origin in errors.
    public let source: String

    public init(source: String) { self.source = source }

    /// `value` must lie in `range`.
    public func int(_ value: Int, _ key: String, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw ConfigError(source: source, key: key, message: "expected \(range.lowerBound)...\(range.upperBound), found \(value)")
        }
    }

    /// Every element of `values` must lie in `range`.
    public func ints(_ values: [Int], _ key: String, in range: ClosedRange<Int>, count: ClosedRange<Int> = 0...1024) throws {
        try int(values.count, key + ".count", in: count)
        for (i, v) in values.enumerated() { try int(v, "\(key)[\(i)]", in: range) }
    }

    /// `value` must be finite and lie in `range` (`upperOpen`: the upper bound itself is excluded).
    public func double(_ value: Double, _ key: String, in range: ClosedRange<Double>, upperOpen: Bool = false) throws {
        guard value.isFinite, range.contains(value), !(upperOpen && value == range.upperBound) else {
            let hi = upperOpen ? ")" : "]"
            throw ConfigError(source: source, key: key, message: "expected a finite number in [\(range.lowerBound), \(range.upperBound)\(hi), found \(value)")
        }
    }

    /// Fails with `message` at `key` unless `condition` holds.
    public func require(_ condition: Bool, _ key: String, _ message: @autoclosure () -> String) throws {
        guard condition else { throw ConfigError(source: source, key: key, message: message()) }
    }

    /// The largest size of one dimension Strata accepts from a file (2^24).
    public static let maxDimension = 1 << 24
    /// The most parameters a configuration may ask for (2^32, 16 GB of float32).
    public static let maxParameters = 1 << 32

    /// A configuration read from a checkpoint must not ask for many more parameters than the
    /// checkpoint stores: checked before the model is built, so that a config edited to a larger
    /// size fails at once instead of allocating (and initialising) a model that its tensors cannot
    /// fill. `estimate` may over-count by up to a factor of 2 (plus 2^16), as the estimates here do.
    ///
    /// ```swift
    /// try ConfigCheck(source: path).parameters(config.parameterEstimate, storedValues: tensors.values.reduce(0) { $0 + $1.count }, key: "config")
    /// ```
    public func parameters(_ estimate: Double, storedValues: Int, key: String) throws {
        guard estimate.isFinite, estimate <= 2 * Double(storedValues) + 65_536 else {
            throw ConfigError(source: source, key: key,
                              message: "the configuration asks for about \(Int(estimate.rounded())) parameters but the file stores only \(storedValues) values")
        }
    }

    /// The estimated parameter count must not exceed ``maxParameters``.
    public func parameters(_ count: Double, key: String) throws {
        guard count.isFinite, count <= Double(Self.maxParameters) else {
            throw ConfigError(source: source, key: key, message: "the configuration asks for \(count) parameters, more than the limit of \(Self.maxParameters)")
        }
    }
}

/// One readable line for a Foundation `DecodingError` (the key path and what was wrong), instead of
/// its debug description.
///
/// ```swift
/// do { _ = try JSONDecoder().decode(C.self, from: data) }
/// catch let e as DecodingError { print(DecodingErrorText.describe(e)) }   // "key 'layers': expected Int, found a string"
/// ```
public enum DecodingErrorText {
    public static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "top level" : "key '\(keys.joined(separator: "."))'"
        }
        switch error {
        case let .typeMismatch(type, context):
            return "\(path(context)): expected \(type)"
        case let .valueNotFound(type, context):
            return "\(path(context)): expected a value of type \(type), found null"
        case let .keyNotFound(key, context):
            return "\(path(context)): missing key '\(key.stringValue)'"
        case let .dataCorrupted(context):
            return "\(path(context)): \(context.debugDescription.isEmpty ? "not valid JSON" : context.debugDescription)"
        @unknown default:
            return "not a valid configuration"
        }
    }
}
