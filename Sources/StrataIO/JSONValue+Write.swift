import Foundation

extension JSONValue {
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
    /// atomically through ``AtomicFile``. Missing parent folders are created.
    ///
    /// ```swift
    /// try JSONValue.object(["accuracy": 0.98]).write(to: "result.json")
    /// ```
    public func write(to path: String) throws {
        try AtomicFile.write(jsonString(pretty: true) + "\n", to: path)
    }

    /// `string` as a JSON string literal, quoted and escaped: `"a\"b"`.
    ///
    /// ```swift
    /// JSONValue.quoted("tab\there")   // "\"tab\\there\""
    /// ```
    public static func quoted(_ string: String) -> String {
        var text = ""
        appendQuoted(string, to: &text)
        return text
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
        case .object(let object):
            let members = object.members.sorted { $0.key < $1.key }
            appendContainer(open: "{", close: "}", count: members.count, to: &text,
                            pretty: pretty, indent: indent) { index, text in
                Self.appendQuoted(members[index].key, to: &text)
                text += pretty ? ": " : ":"
                members[index].value.append(to: &text, pretty: pretty, indent: indent + 1)
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

    /// The one JSON string escaper: `"`, `\`, and every control character below U+0020
    /// (`\b \f \n \r \t` by name, the rest as `\u00XX`); everything else, non-BMP scalars
    /// included, is written as UTF-8.
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
                let hex = String(c.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
