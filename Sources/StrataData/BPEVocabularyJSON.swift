import Foundation

/// A reader for `vocab.json`: one JSON object mapping token spellings to non-negative
/// integer ids. Hand-written so that errors can name the line, and so that 50,000
/// entries load quickly.
enum VocabularyJSON {
    struct Result { var entries: [(String, Int)] }

    static func parse(path: String) throws -> Result {
        var parser = Parser(bytes: try TokenizerError.readFile(path), path: path)
        return Result(entries: try parser.object())
    }

    private struct Parser {
        let bytes: [UInt8]
        let path: String
        var i = 0
        var line = 1

        init(bytes: [UInt8], path: String) {
            self.bytes = bytes
            self.path = path
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }   // UTF-8 byte-order mark
        }

        func fail(_ reason: String) -> TokenizerError {
            .malformedFile(path: path, line: line, reason: reason)
        }

        func describeHere() -> String {
            guard i < bytes.count else { return "end of file" }
            let b = bytes[i]
            return b >= 0x20 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
        }

        mutating func skipSpace() {
            while i < bytes.count {
                switch bytes[i] {
                case 0x0A: line += 1; i += 1
                case 0x20, 0x09, 0x0D: i += 1
                default: return
                }
            }
        }

        mutating func expect(_ c: UInt8, _ what: String) throws {
            skipSpace()
            guard i < bytes.count, bytes[i] == c else { throw fail("expected \(what), found \(describeHere())") }
            i += 1
        }

        mutating func object() throws -> [(String, Int)] {
            try expect(UInt8(ascii: "{"), "'{' (vocab.json must be a JSON object of token -> id)")
            var entries: [(String, Int)] = []
            var seen: [String: Int] = [:]
            skipSpace()
            if i < bytes.count && bytes[i] == UInt8(ascii: "}") {
                throw fail("the vocabulary is empty")
            }
            while true {
                skipSpace()
                let keyLine = line
                let key = try string()
                try expect(UInt8(ascii: ":"), "':' after a token")
                skipSpace()
                let id = try integer()
                if seen[key] != nil {
                    throw TokenizerError.malformedFile(path: path, line: keyLine, reason: "token \(key.debugDescription) appears twice")
                }
                seen[key] = id
                entries.append((key, id))
                skipSpace()
                guard i < bytes.count else { throw fail("unexpected end of file: expected ',' or '}'") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; break }
                throw fail("expected ',' or '}', found \(describeHere())")
            }
            skipSpace()
            guard i == bytes.count else { throw fail("unexpected \(describeHere()) after the closing '}'") }
            return entries
        }

        mutating func integer() throws -> Int {
            let start = i
            var value = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                value = value * 10 + Int(bytes[i] - 0x30)
                if value > Int(Int32.max) { throw fail("token id is too large") }
                i += 1
            }
            guard i > start else { throw fail("expected a non-negative integer token id, found \(describeHere())") }
            if i < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[i]) {
                throw fail("token ids must be integers")
            }
            return value
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= bytes.count else { throw fail("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[i]
                let d: UInt32
                switch b {
                case 0x30...0x39: d = UInt32(b - 0x30)
                case 0x41...0x46: d = UInt32(b - 0x41 + 10)
                case 0x61...0x66: d = UInt32(b - 0x61 + 10)
                default: throw fail("bad hex digit in \\u escape: \(describeHere())")
                }
                v = v * 16 + d
                i += 1
            }
            return v
        }

        mutating func string() throws -> String {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                throw fail("expected a token in double quotes, found \(describeHere())")
            }
            i += 1
            var out: [UInt8] = []
            while true {
                guard i < bytes.count else { throw fail("unterminated string") }
                let b = bytes[i]
                if b == UInt8(ascii: "\"") { i += 1; break }
                if b == 0x0A { throw fail("newline inside a string") }
                if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
                i += 1
                guard i < bytes.count else { throw fail("unterminated escape") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var v = try hex4()
                    if (0xD800..<0xDC00).contains(v) {
                        guard i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                            throw fail("unpaired surrogate \\u\(String(v, radix: 16)) in a string")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("bad low surrogate in a string") }
                        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(v) {
                        throw fail("unpaired surrogate \\u\(String(v, radix: 16)) in a string")
                    }
                    out.append(contentsOf: UTF8.encode(Unicode.Scalar(v)!)!)
                default:
                    throw fail("unknown escape '\\\(Character(Unicode.Scalar(e)))' in a string")
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
            return s
        }
    }
}
