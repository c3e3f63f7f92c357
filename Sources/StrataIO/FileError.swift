/// A file that could not be read, written or understood: the one error type of Strata's file
/// layer. It names the file, where in it the problem is (a byte offset, a line, a key, a key at
/// a byte offset, or nowhere in particular), what was found and what was expected, and the
/// ``Kind`` of problem, which each format's reader declares beside itself
/// (`GGUF+ErrorKinds.swift`, `IDX+ErrorKinds.swift`, ...).
///
/// ```swift
/// throw FileError(path: "model.safetensors", at: .offset(8), found: "the header is 12 bytes", expected: "at least 16")
/// // model.safetensors: at byte 8: the header is 12 bytes; expected at least 16
/// throw FileError(path: "vocab.json", at: .line(3), found: "'x'", expected: "a token id")
/// // vocab.json:3: 'x'; expected a token id
/// throw FileError(kind: .countOutOfRange, path: "model.gguf", offset: 1062, key: "tokenizer.ggml.tokens[3]",
///                 message: "string length 18446744073709551615 exceeds the 1200 bytes left in the file")
/// // model.gguf: at byte 1062: key 'tokenizer.ggml.tokens[3]': string length 18446744073709551615 exceeds ...
///
/// do { _ = try GGUFFile(path: "model.gguf") } catch let error as FileError where error.kind == .badMagic {
///     print("not a GGUF file:", error)
/// }
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
        /// A key (a metadata field, a tensor name) and the byte offset where it starts, as binary
        /// formats (GGUF, safetensors) know both.
        case keyAtOffset(String, Int)

        /// The location that names what is known: the key and the offset, one of them, or
        /// neither (`.none`; an empty key counts as no key).
        ///
        /// ```swift
        /// FileError.Location(offset: 24, key: "w")   // .keyAtOffset("w", 24)
        /// FileError.Location(offset: nil, key: "")   // .none
        /// ```
        public init(offset: Int?, key: String?) {
            let key = key.flatMap { $0.isEmpty ? nil : $0 }
            switch (key, offset) {
            case let (key?, offset?): self = .keyAtOffset(key, offset)
            case let (key?, nil): self = .key(key)
            case let (nil, offset?): self = .offset(offset)
            case (nil, nil): self = .none
            }
        }
    }

    /// What kind of problem it is (`.badMagic`, `.truncated`, ...; `.other` when no reader named one).
    public let kind: Kind
    /// The file.
    public let path: String
    /// Where in the file.
    public let location: Location
    /// What was found, or what went wrong.
    public let found: String
    /// What was expected, when that can be said.
    public let expected: String?

    public init(kind: Kind = .other, path: String, at location: Location = .none, found: String, expected: String? = nil) {
        self.kind = kind
        self.path = path
        self.location = location
        self.found = found
        self.expected = expected
    }

    /// An error whose whole text is `message` (what was found and, in it, what was expected).
    public init(kind: Kind = .other, path: String, at location: Location, message: String) {
        self.init(kind: kind, path: path, at: location, found: message)
    }

    /// An error at byte `offset`, about `key` (a field, a tensor or metadata name), both, or
    /// neither; nil or an empty key leaves that part out.
    ///
    /// ```swift
    /// FileError(kind: .truncated, path: "m.gguf", offset: 24, key: "tokenizer.ggml.tokens", message: "cut short").description
    /// // m.gguf: at byte 24: key 'tokenizer.ggml.tokens': cut short
    /// ```
    public init(kind: Kind = .other, path: String, offset: Int? = nil, key: String? = nil, message: String) {
        self.init(kind: kind, path: path, at: Location(offset: offset, key: key), found: message)
    }

    /// What was wrong and what was expected, without the path and location.
    public var message: String {
        guard let expected else { return found }
        return "\(found); expected \(expected)"
    }

    /// `path: message`, with the location between: `path: at byte 8: `, `path:3: `, `path: key 'k': `,
    /// `path: at byte 8: key 'k': `.
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
        case .keyAtOffset(let key, let offset): return "at byte \(offset): key '\(key)': \(message)"
        }
    }

    /// The key or key path of a `.key` or `.keyAtOffset` location; `""` for any other.
    public var key: String {
        switch location {
        case .key(let key), .keyAtOffset(let key, _): return key
        default: return ""
        }
    }

    /// The key path inside a JSON file (`""` when the problem is the file itself); the same as ``key``.
    public var keyPath: String { key }

    /// The byte offset of an `.offset` or `.keyAtOffset` location.
    public var offset: Int? {
        switch location {
        case .offset(let offset), .keyAtOffset(_, let offset): return offset
        default: return nil
        }
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
        self.init(path: path, key: key, message: message)
    }
}


#if canImport(Foundation)
import Foundation

extension FileError: LocalizedError {
    public var errorDescription: String? { description }
}
#endif
