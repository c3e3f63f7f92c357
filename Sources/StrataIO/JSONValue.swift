import Foundation

/// A JSON value: what Strata reads from JSON files (through ``JSONDocument``) and writes
/// to them (metrics logs, result files, safetensors headers). It is the one JSON type of the
/// package: one parser (``JSONValue/parse(_:)``), one writer (``JSONValue/jsonString(pretty:)``).
///
/// Literals build values directly, so a result reads like JSON:
///
/// ```swift
/// let result: JSONValue = ["model": "mlp", "epochs": 5, "test_accuracy": 0.9812, "history": [0.41, 0.22]]
/// try result.write(to: "runs/mnist/result.json")
/// let back = try JSONValue.parse(Data(result.jsonString().utf8))   // == result
/// ```
///
/// Integers are kept exact (`.int`, never a trip through `Double`); objects keep their members
/// in the order they were read or built, and are written with sorted keys. Non-finite numbers
/// (NaN, infinity) have no JSON form: they are written as `null`.
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A whole number, written without a decimal point.
    case int(Int)
    /// A number, written in its shortest exact form (`null` when not finite).
    case double(Double)
    /// A string, escaped as JSON requires.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object; its keys are written sorted.
    case object(JSONObject)

    /// An object from a dictionary (members in key order).
    ///
    /// ```swift
    /// let v = JSONValue.object(["lr": 0.001, "epochs": 3] as [String: JSONValue])
    /// ```
    public static func object(_ members: [String: JSONValue]) -> JSONValue {
        .object(JSONObject(members))
    }
}

/// The members of a JSON object, in the order they were read or added; keys are unique.
///
/// ```swift
/// var o: JSONObject = ["b": 1]
/// o["a"] = true
/// o.keys          // ["b", "a"]
/// o["b"]          // .int(1)
/// ```
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// The members in order.
    public private(set) var members: [(key: String, value: JSONValue)] = []
    private var index: [String: Int] = [:]

    /// An empty object.
    public init() {}

    /// The members of `dictionary`, sorted by key.
    public init(_ dictionary: [String: JSONValue]) {
        for key in dictionary.keys.sorted() { self[key] = dictionary[key] }
    }

    /// A dictionary literal; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { self[key] = value }
    }

    /// The number of members.
    public var count: Int { members.count }
    /// The keys in order.
    public var keys: [String] { members.map(\.key) }

    /// The value of `key`, or nil; setting nil removes the member, setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get { index[key].map { members[$0].value } }
        set {
            if let position = index[key] {
                if let newValue {
                    members[position].value = newValue
                } else {
                    members.remove(at: position)
                    index = Dictionary(uniqueKeysWithValues: members.enumerated().map { ($1.key, $0) })
                }
            } else if let newValue {
                index[key] = members.count
                members.append((key, newValue))
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        members.makeIterator()
    }

    /// Objects are equal when they have the same keys with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.count == rhs.count && lhs.members.allSatisfy { rhs[$0.key] == $0.value }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// `nil` as JSON `null`: `let v: JSONValue = nil`.
    public init(nilLiteral: ()) { self = .null }
    /// A boolean literal: `let v: JSONValue = true`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer literal: `let v: JSONValue = 5`.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A floating-point literal: `let v: JSONValue = 0.25`.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A string literal: `let v: JSONValue = "adam"`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An array literal: `let v: JSONValue = [1, 2.5, "x"]`.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A dictionary literal: `let v: JSONValue = ["lr": 0.001]`.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}

extension JSONValue {
    /// Wraps a `Float` as a JSON number, keeping its shortest decimal form
    /// (so `Float(0.1)` is written `0.1`, not `0.10000000149011612`).
    ///
    /// ```swift
    /// let v = JSONValue(Float(0.1))
    /// ```
    public init(_ value: Float) {
        self = value.isFinite ? .double(Double("\(value)") ?? Double(value)) : .null
    }

    /// Wraps a `Double`: `JSONValue(0.25)`.
    public init(_ value: Double) { self = .double(value) }

    /// Wraps an `Int`: `JSONValue(epoch)`.
    public init(_ value: Int) { self = .int(value) }

    /// Wraps a `String`: `JSONValue(name)`.
    public init(_ value: String) { self = .string(value) }

    /// The number inside, if this is a number.
    ///
    /// ```swift
    /// JSONValue.int(3).doubleValue  // 3.0
    /// ```
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The value as an exact non-negative integer, if it is one (read without fraction or exponent).
    public var nonNegativeInteger: Int? {
        guard case .int(let value) = self, value >= 0 else { return nil }
        return value
    }

    /// A short name of the value's JSON type, for "expected X, found Y" messages:
    /// "an object", "the number 3", "null".
    public var typeName: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .int(let value): return "the number \(value)"
        case .double(let value): return "the number \(value)"
        case .bool(let value): return "\(value)"
        case .null: return "null"
        }
    }
}
