/// A file that could not be read, written or understood: the one error type of Strata's file
/// layer. It names the file, where in it the problem is (a byte offset, a line, a key, or
/// nowhere in particular), what was found and what was expected.
///
/// ```swift
/// throw FileError(path: "model.safetensors", at: .offset(8), found: "the header is 12 bytes", expected: "at least 16")
/// // model.safetensors: at byte 8: the header is 12 bytes; expected at least 16
/// throw FileError(path: "vocab.json", at: .line(3), found: "'x'", expected: "a token id")
/// // vocab.json:3: 'x'; expected a token id
/// ```
public struct FileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Where in a file a problem is.
    public enum Location: Equatable, Sendable {
        /// The file as a whole (it is missing, a directory, too large; a write failed).
        case none
        /// A byte offset from the start of the file.
        case offset(Int)
        /// A 1-based line of a text file.
        case line(Int)
        /// A key or key path (`model.vocab`, `layers[3]`, a tensor name).
        case key(String)
    }

    /// The file.
    public let path: String
    /// Where in the file.
    public let location: Location
    /// What was found, or what went wrong.
    public let found: String
    /// What was expected, when that can be said.
    public let expected: String?

    public init(path: String, at location: Location = .none, found: String, expected: String? = nil) {
        self.path = path
        self.location = location
        self.found = found
        self.expected = expected
    }

    /// An error whose whole text is `message` (what was found and, in it, what was expected).
    public init(path: String, at location: Location = .none, message: String) {
        self.init(path: path, at: location, found: message)
    }

    /// What was wrong and what was expected, without the path and location.
    public var message: String {
        guard let expected else { return found }
        return "\(found); expected \(expected)"
    }

    /// `path: message`, with the location between: `path: at byte 8: `, `path:3: `, `path: key 'k': `.
    public var description: String {
        if case .line(let line) = location { return "\(path):\(line): \(message)" }
        return path.isEmpty ? locatedMessage : "\(path): \(locatedMessage)"
    }

    /// The description without the path: `at byte 8: message`, `key 'k': message`, `line 3: message`.
    public var locatedMessage: String {
        switch location {
        case .none: return message
        case .offset(let offset): return "at byte \(offset): \(message)"
        case .line(let line): return "line \(line): \(message)"
        case .key(let key): return "key '\(key)': \(message)"
        }
    }

    /// The key or key path of a `.key` location; `""` for any other.
    public var key: String {
        if case .key(let key) = location { return key }
        return ""
    }

    /// The key path inside a JSON file (`""` when the problem is the file itself); the same as ``key``.
    public var keyPath: String { key }

    /// The byte offset of an `.offset` location.
    public var offset: Int? {
        if case .offset(let offset) = location { return offset }
        return nil
    }

    /// The same as ``message`` (the name some callers knew it by).
    public var reason: String { message }
}

// MARK: - The names the file errors had before they were one type

extension FileError {
    /// An error about `keyPath` (`""`: the file itself) or, for a syntax error, at byte `offset`.
    public init(path: String, keyPath: String, message: String, offset: Int? = nil) {
        let location: Location = offset.map { .offset($0) } ?? (keyPath.isEmpty ? .none : .key(keyPath))
        self.init(path: path, at: location, message: message)
    }

    /// An error about the file as a whole.
    public init(path: String, reason: String) {
        self.init(path: path, message: reason)
    }

    /// An error about `key` (a tensor name or metadata key; nil or empty: the file as a whole).
    public init(path: String, key: String? = nil, _ message: String) {
        self.init(path: path, at: key.map { $0.isEmpty ? .none : .key($0) } ?? .none, message: message)
    }

    /// An error about `key` (empty: the file as a whole).
    public init(path: String, key: String, message: String) {
        self.init(path: path, key: Optional(key), message)
    }
}


#if canImport(Foundation)
import Foundation

extension FileError: LocalizedError {
    public var errorDescription: String? { description }
}
#endif
