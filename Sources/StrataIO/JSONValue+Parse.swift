import Foundation

extension JSONValue {
    /// Parses one JSON value filling all of `bytes` (surrounding whitespace allowed).
    ///
    /// The bytes must already be known to be valid UTF-8. Throws `JSONSyntaxError` with the
    /// offset of the first byte that does not fit.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw parser.error("expected end of JSON text after the top-level value")
        }
        return value
    }

    /// Parses a UTF-8 JSON text (a leading byte-order mark is allowed); errors name `path`
    /// and the byte offset, as ``JSONDocument`` does.
    ///
    /// ```swift
    /// let v = try JSONValue.parse(Data(#"{"a": [1, 2.5]}"#.utf8))   // ["a": [1, 2.5]]
    /// ```
    public static func parse(_ data: Data, path: String = "JSON text") throws -> JSONValue {
        try JSONDocument(data: data, path: path).root.value
    }
}

/// A JSON syntax error at a byte offset within the parsed text.
struct JSONSyntaxError: Error {
    let offset: Int
    let message: String

    /// The 1-based line of `offset` in `bytes`.
    func line(in bytes: UnsafeRawBufferPointer) -> Int {
        1 + bytes[..<min(offset, bytes.count)].lazy.filter { $0 == 0x0A }.count
    }
}

/// A recursive-descent JSON parser over UTF-8 bytes (RFC 8259).
private struct JSONParser {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    /// Nesting deeper than this is refused rather than risking the stack.
    static let maximumDepth = 128

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: position, message: message)
    }

    var current: UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    /// A printable rendering of the byte at the cursor, for messages.
    var currentDescription: String {
        guard let byte = current else { return "end of header" }
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(UnicodeScalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16)
    }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            position += 1
        }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws {
        guard current == byte else { throw error("expected \(what), found \(currentDescription)") }
        position += 1
    }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < Self.maximumDepth else { throw error("JSON nested deeper than \(Self.maximumDepth) levels") }
        switch current {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case let byte? where byte == UInt8(ascii: "-") || (byte >= 0x30 && byte <= 0x39):
            return try parseNumber()
        default:
            throw error("expected a JSON value, found \(currentDescription)")
        }
    }

    mutating func parseLiteral(_ word: String) throws {
        let start = position
        for expected in word.utf8 {
            guard current == expected else {
                throw JSONSyntaxError(offset: start, message: "invalid literal: expected '\(word)', found \(currentDescription) inside it")
            }
            position += 1
        }
    }

    mutating func parseObject(depth: Int) throws -> JSONValue {
        position += 1  // {
        var members = JSONObject()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            let keyOffset = position
            guard current == UInt8(ascii: "\"") else {
                throw error("expected a string key in object, found \(currentDescription)")
            }
            let key = try parseString()
            guard members[key] == nil else {
                throw JSONSyntaxError(offset: keyOffset, message: "key \"\(key)\" appears twice in the object")
            }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after object key \"\(key)\"")
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            members[key] = value
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}' in object")
            return .object(members)
        }
    }

    mutating func parseArray(depth: Int) throws -> JSONValue {
        position += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "]"), "',' or ']' in array")
            return .array(elements)
        }
    }

    /// A number: `.int` when written without fraction or exponent and within `Int`, else `.double`.
    mutating func parseNumber() throws -> JSONValue {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, first >= 0x30 && first <= 0x39 else {
            throw error("expected a digit in number, found \(currentDescription)")
        }
        if first == 0x30 {
            position += 1
        } else {
            skipDigits()
        }
        if current == UInt8(ascii: ".") {
            position += 1
            guard let digit = current, digit >= 0x30 && digit <= 0x39 else {
                throw error("expected a digit after '.', found \(currentDescription)")
            }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard let digit = current, digit >= 0x30 && digit <= 0x39 else {
                throw error("expected a digit in exponent, found \(currentDescription)")
            }
            skipDigits()
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if let integer = Int(text) { return .int(integer) }
        guard let number = Double(text) else { throw JSONSyntaxError(offset: start, message: "number \(text) cannot be read") }
        return .double(number)
    }

    mutating func skipDigits() {
        while let byte = current, byte >= 0x30 && byte <= 0x39 {
            position += 1
        }
    }

    mutating func parseString() throws -> String {
        position += 1  // opening quote
        var utf8: [UInt8] = []
        var runStart = position
        while true {
            guard let byte = current else {
                throw error("unterminated string: expected '\"' before end of header")
            }
            switch byte {
            case UInt8(ascii: "\""):
                utf8.append(contentsOf: bytes[runStart..<position])
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                utf8.append(contentsOf: bytes[runStart..<position])
                try parseEscape(into: &utf8)
                runStart = position
            case 0x00..<0x20:
                throw error("control character 0x\(String(byte, radix: 16)) in string; expected it escaped")
            default:
                position += 1
            }
        }
    }

    mutating func parseEscape(into utf8: inout [UInt8]) throws {
        position += 1  // backslash
        guard let byte = current else { throw error("unterminated escape sequence") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""): utf8.append(0x22)
        case UInt8(ascii: "\\"): utf8.append(0x5C)
        case UInt8(ascii: "/"): utf8.append(0x2F)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else {
                    throw error("expected a \\u low surrogate after high surrogate")
                }
                position += 2
                let low = try parseHex4()
                guard (0xDC00..<0xE000).contains(low) else {
                    throw error("expected a low surrogate (DC00-DFFF), found \(String(low, radix: 16))")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw error("unpaired low surrogate \\u\(String(scalar, radix: 16))")
            }
            guard let unicode = Unicode.Scalar(scalar) else {
                throw error("invalid Unicode scalar \(String(scalar, radix: 16))")
            }
            utf8.append(contentsOf: String(Character(unicode)).utf8)
        default:
            position -= 1
            throw error("invalid escape '\\\(Character(UnicodeScalar(byte)))' in string")
        }
    }

    mutating func parseHex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw error("expected 4 hex digits after \\u") }
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: throw error("expected a hex digit in \\u escape, found \(currentDescription)")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }
}
