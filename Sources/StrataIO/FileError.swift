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
        switch location {
        case .none: return "\(path): \(message)"
        case .offset(let offset): return "\(path): at byte \(offset): \(message)"
        case .line(let line): return "\(path):\(line): \(message)"
        case .key(let key): return "\(path): key '\(key)': \(message)"
        }
    }
}

#if canImport(Foundation)
import Foundation

extension FileError: LocalizedError {
    public var errorDescription: String? { description }
}
#endif
