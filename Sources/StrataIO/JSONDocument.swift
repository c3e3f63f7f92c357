import Foundation

/// A JSON file read for its values (a model's `config.json`, a `tokenizer.json`), with typed
/// look-ups whose errors name the file and the key path and say what was expected.
///
/// ```swift
/// let config = try JSONDocument(path: "Models/all-MiniLM-L6-v2/config.json")
/// let heads = try config.root.member("num_attention_heads").int()     // 12
/// let act = try config.root.optionalMember("hidden_act")?.string()    // "gelu"
/// ```
public struct JSONDocument: Sendable {
    /// The file (or source name) the JSON came from, as errors print it.
    public let path: String
    /// The top-level value.
    public let root: JSONNode

    /// Files larger than this are refused before they are read (default 256 MiB).
    public static let defaultMaximumBytes = 256 << 20

    /// Reads and parses the JSON file at `path`.
    ///
    /// Throws `FileError` when the file cannot be read, is larger than `maximumBytes`,
    /// is not UTF-8, or is not valid JSON (with the byte offset of the problem).
    public init(path: String, maximumBytes: Int = JSONDocument.defaultMaximumBytes) throws {
        let data: Data
        do {
            let size = try FileBytes.checkRegularFile(path: path)
            guard size <= maximumBytes else {
                throw FileError(path: path, keyPath: "", message: "file is \(size) bytes; expected at most \(maximumBytes)")
            }
            data = try FileBytes.map(path: path)
        }
        try self.init(data: data, path: path)
    }

    /// Parses JSON bytes held in memory; `path` names them in errors.
    ///
    /// ```swift
    /// let doc = try JSONDocument(data: Data(#"{"a": [1, 2]}"#.utf8), path: "inline")
    /// try doc.root.member("a").elements().count   // 2
    /// ```
    public init(data: Data, path: String) throws {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }   // UTF-8 byte-order mark
        guard Self.isValidUTF8(bytes) else {
            throw FileError(path: path, keyPath: "", message: "not valid UTF-8; expected a UTF-8 JSON text")
        }
        let value: JSONValue
        do {
            value = try bytes.withUnsafeBytes { try JSONValue.parse($0) }
        } catch let error as JSONSyntaxError {
            throw FileError(path: path, at: .offset(error.offset + (data.count - bytes.count)), found: "invalid JSON: \(error.message)")
        }
        self.path = path
        root = JSONNode(value: value, path: path, keyPath: "")
    }

    private static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}

/// One value inside a `JSONDocument`, knowing where it sits (`model.vocab`, `layers[3]`).
public struct JSONNode: Sendable {
    /// The value itself.
    public let value: JSONValue
    /// The file the value came from.
    public let path: String
    /// Where the value sits in the file: `""` for the root, then `key`, `key.sub`, `list[2]`.
    public let keyPath: String

    /// An error about this value: `path: key 'keyPath': message`.
    ///
    /// ```swift
    /// throw node.error("expected at most 64 layers, found 1000")
    /// ```
    public func error(_ message: String) -> FileError {
        FileError(path: path, keyPath: keyPath, message: message)
    }

    /// True for JSON `null`.
    public var isNull: Bool { if case .null = value { return true } else { return false } }

    /// A short name of the value's type for messages: "an object", "the number 3", "null".
    public var typeDescription: String { value.typeName }

    private func child(_ key: String, _ value: JSONValue) -> JSONNode {
        JSONNode(value: value, path: path, keyPath: keyPath.isEmpty ? key : keyPath + "." + key)
    }

    /// The member `key` of this object, or nil when the object has no such key (or it is `null`).
    /// Throws when this value is not an object.
    public func optionalMember(_ key: String) throws -> JSONNode? {
        guard case .object(let members) = value else { throw error("expected an object, found \(value.typeName)") }
        guard let found = members[key], found != .null else { return nil }
        return child(key, found)
    }

    /// The member `key` of this object; throws when it is missing or `null`.
    public func member(_ key: String) throws -> JSONNode {
        guard let node = try optionalMember(key) else {
            throw FileError(path: path, keyPath: keyPath.isEmpty ? key : keyPath + "." + key, message: "missing; expected a value")
        }
        return node
    }

    /// The members of this object, in file order.
    public func members() throws -> [(key: String, value: JSONNode)] {
        guard case .object(let members) = value else { throw error("expected an object, found \(value.typeName)") }
        return members.members.map { ($0.key, child($0.key, $0.value)) }
    }

    /// The elements of this array.
    public func elements() throws -> [JSONNode] {
        guard case .array(let elements) = value else { throw error("expected an array, found \(value.typeName)") }
        return elements.enumerated().map { index, element in
            JSONNode(value: element, path: path, keyPath: keyPath + "[\(index)]")
        }
    }

    /// The value as a string.
    public func string() throws -> String {
        guard case .string(let text) = value else { throw error("expected a string, found \(value.typeName)") }
        return text
    }

    /// The value as a boolean.
    public func bool() throws -> Bool {
        guard case .bool(let flag) = value else { throw error("expected true or false, found \(value.typeName)") }
        return flag
    }

    /// The value as an exact integer (no fraction or exponent, within `Int`).
    public func int() throws -> Int {
        guard case .int(let number) = value else {
            throw error("expected an integer, found \(value.typeName)")
        }
        return number
    }

    /// The value as a finite number.
    public func double() throws -> Double {
        guard let number = value.doubleValue, number.isFinite else {
            throw error("expected a finite number, found \(value.typeName)")
        }
        return number
    }
}
