import Foundation
import StrataIO

/// A JSON value for metrics logs and result files.
///
/// Literals build values directly, so a result reads like JSON:
///
/// ```swift
/// let result: [String: JSONValue] = [
///     "model": "mlp", "epochs": 5, "test_accuracy": 0.9812, "history": [0.41, 0.22],
/// ]
/// try JSONValue.object(result).write(to: "runs/mnist/result.json")
/// ```
///
/// Non-finite numbers (NaN, infinity) have no JSON form: they are written as `null`.
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
    case object([String: JSONValue])
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
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
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
    ///
    /// ```swift
    /// let v = JSONValue(loss)
    /// ```
    public init(_ value: Double) { self = .double(value) }

    /// Wraps an `Int`: `JSONValue(epoch)`.
    ///
    /// ```swift
    /// let v = JSONValue(42)
    /// ```
    public init(_ value: Int) { self = .int(value) }

    /// Wraps a `String`: `JSONValue(name)`.
    ///
    /// ```swift
    /// let v = JSONValue("adam")
    /// ```
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

    /// The JSON text: pretty (two-space indent, one member per line) by
    /// default, compact otherwise; object keys always sorted.
    ///
    /// ```swift
    /// let text = JSONValue.object(["b": 1, "a": .double(.nan)]).jsonString()
    /// // {
    /// //   "a": null,
    /// //   "b": 1
    /// // }
    /// ```
    public func jsonString(pretty: Bool = true) -> String {
        var text = ""
        append(to: &text, pretty: pretty, indent: 0)
        return text
    }

    /// Writes the JSON text (pretty, sorted keys, trailing newline) to `path`
    /// atomically: a temporary file in the same folder, then a rename.
    /// Missing parent folders are created.
    ///
    /// ```swift
    /// try JSONValue.object(["accuracy": 0.98]).write(to: "result.json")
    /// ```
    public func write(to path: String) throws {
        try AtomicFile.write(jsonString(pretty: true) + "\n", to: path)
    }

    // MARK: - Serialization

    func append(to text: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .int(let value): text += String(value)
        case .double(let value): text += Self.numberText(value)
        case .string(let value): Self.appendQuoted(value, to: &text)
        case .array(let elements):
            appendContainer(open: "[", close: "]", count: elements.count, to: &text,
                            pretty: pretty, indent: indent) { index, text in
                elements[index].append(to: &text, pretty: pretty, indent: indent + 1)
            }
        case .object(let members):
            let keys = members.keys.sorted()
            appendContainer(open: "{", close: "}", count: keys.count, to: &text,
                            pretty: pretty, indent: indent) { index, text in
                Self.appendQuoted(keys[index], to: &text)
                text += pretty ? ": " : ":"
                members[keys[index]]!.append(to: &text, pretty: pretty, indent: indent + 1)
            }
        }
    }

    private func appendContainer(
        open: String, close: String, count: Int, to text: inout String,
        pretty: Bool, indent: Int, element: (Int, inout String) -> Void
    ) {
        text += open
        guard count > 0 else { text += close; return }
        let inner = pretty ? "\n" + String(repeating: "  ", count: indent + 1) : ""
        for index in 0..<count {
            if index > 0 { text += "," }
            text += inner
            element(index, &text)
        }
        text += pretty ? "\n" + String(repeating: "  ", count: indent) : ""
        text += close
    }

    /// The shortest decimal that reads back as `value`; `null` when not finite.
    static func numberText(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 {
            // "3.0" rather than "3": keeps the type a float for readers like pandas.
            return String(format: "%.1f", value)
        }
        return "\(value)"  // Swift prints the shortest round-trip form, e.g. 1e-05
    }

    static func appendQuoted(_ string: String, to text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            case let c where c.value < 0x20:
                text += String(format: "\\u%04x", c.value)
            default:
                text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
