/// A parsed JSON value, as much of JSON as the safetensors header needs.
///
/// Numbers keep their source text so that integers are read exactly (no trip through `Double`).
/// Objects keep their members in source order; duplicate keys are rejected by the parser.
enum JSONValue: Equatable, Sendable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(a), .array(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// A short name of the value's JSON type, for "expected X, found Y" messages.
    var typeName: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number(let text): return "the number \(text)"
        case .bool(let value): return "\(value)"
        case .null: return "null"
        }
    }

    /// The value as an exact non-negative integer, if it is one written without fraction or exponent.
    var nonNegativeInteger: Int? {
        guard case .number(let text) = self, !text.hasPrefix("-") else { return nil }
        return Int(text)
    }
}

/// A JSON syntax error at a byte offset within the parsed text.
struct JSONSyntaxError: Error {
    let offset: Int
    let message: String
}
