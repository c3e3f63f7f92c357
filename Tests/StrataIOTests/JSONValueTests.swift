import Foundation
import Testing
import StrataIO

@Suite("JSONValue: the one JSON type, written and read back")
struct JSONValueTests {
    @Test("every control character, quotes, backslashes and non-BMP scalars survive a round trip")
    func escapingRoundTrip() throws {
        let controls = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar($0)! }))
        let text = controls + "\"quoted\" back\\slash / é 中 😀 𝄞 \u{7F} \u{2028}"
        for pretty in [true, false] {
            let value: JSONValue = ["s": .string(text), "list": [.string(text), 1, 2.5, nil, true]]
            let written = value.jsonString(pretty: pretty)
            #expect(try JSONValue.parse(Data(written.utf8)) == value)
        }
    }

    @Test("the escaper names \\b \\f \\n \\r \\t and writes other control characters as \\u00XX")
    func escapes() {
        #expect(JSONValue.quoted("\u{08}\u{0C}\n\r\t") == #""\b\f\n\r\t""#)
        #expect(JSONValue.quoted("\u{00}\u{1F}") == #""\u0000\u001f""#)
        #expect(JSONValue.quoted("a\"b\\c") == #""a\"b\\c""#)
        #expect(JSONValue.quoted("😀") == "\"😀\"")                       // non-BMP as UTF-8, not escaped
        #expect(JSONValue.string("\u{08}").jsonString() == #""\b""#)      // the same escaper for values
    }

    @Test("escaped input reads as the scalars it names, surrogate pairs included")
    func parsesEscapes() throws {
        let value = try JSONValue.parse(Data(#"["\b\f\n\r\t\/\u0001\u00e9\ud83d\ude00"]"#.utf8))
        #expect(value == ["\u{08}\u{0C}\n\r\t/\u{01}é😀"])
    }

    @Test("integers stay exact, other numbers are doubles, objects keep file order")
    func numbersAndOrder() throws {
        let value = try JSONValue.parse(Data(#"{"z": 9007199254740993, "a": 1.5, "m": -3, "e": 1e2}"#.utf8))
        guard case .object(let object) = value else { Issue.record("expected an object"); return }
        #expect(object.keys == ["z", "a", "m", "e"])
        #expect(object["z"] == .int(9_007_199_254_740_993))   // not representable as a Double
        #expect(object["a"] == .double(1.5))
        #expect(object["m"] == .int(-3))
        #expect(object["e"] == .double(100))
        #expect(value.jsonString(pretty: false) == #"{"a":1.5,"e":100.0,"m":-3,"z":9007199254740993}"#)  // keys sorted
    }

    @Test("syntax errors, duplicate keys and deep nesting are errors naming the offset")
    func rejects() throws {
        #expect(throws: FileError.self) { try JSONValue.parse(Data(#"{"a": 1, "a": 2}"#.utf8)) }
        #expect(throws: FileError.self) { try JSONValue.parse(Data(String(repeating: "[", count: 200).utf8)) }
        do {
            _ = try JSONValue.parse(Data(#"{"a": 1, "a": 2}"#.utf8), path: "d.json")
        } catch let error as FileError {
            #expect(error.offset == 9 && error.message.contains("twice"), "\(error)")
        }
    }
}

@Suite("FileDescriptorWriter and AppendingFile: the one write loop")
struct FileWriteTests {
    @Test("writeAll writes everything through a pipe and reports a failed write")
    func writeAll() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let bytes = Array("hello, pipe".utf8)
        let (written, failure) = bytes.withUnsafeBytes { FileDescriptorWriter.writeAll($0, to: ends[1]) }
        #expect(written == bytes.count && failure == nil)
        close(ends[1])
        var back = [UInt8](repeating: 0, count: 64)
        let count = read(ends[0], &back, back.count)
        close(ends[0])
        #expect(Array(back[0..<count]) == bytes)

        let (none, error) = bytes.withUnsafeBytes { FileDescriptorWriter.writeAll($0, to: -1) }
        #expect(none == 0 && error != nil)
    }

    @Test("an appending file keeps earlier text unless truncated, and names itself in errors")
    func appending() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("sub/log.csv")
        let first = try AppendingFile(path: path, truncate: true)
        try first.append("a\n")
        first.close()
        let second = try AppendingFile(path: path, truncate: false)
        try second.append("b\n")
        second.close()
        #expect(String(decoding: try FileBytes.read(path: path), as: UTF8.self) == "a\nb\n")
        let third = try AppendingFile(path: path, truncate: true)
        try third.append("c\n")
        third.close()
        #expect(String(decoding: try FileBytes.read(path: path), as: UTF8.self) == "c\n")
        #expect(throws: FileError.self) { try AppendingFile(path: dir.path, truncate: false) }   // a directory
    }

    @Test("FileError reads like the existing messages")
    func descriptions() {
        #expect(FileError(path: "m.bin", at: .offset(8), found: "12 bytes", expected: "16").description == "m.bin: at byte 8: 12 bytes; expected 16")
        #expect(FileError(path: "v.json", at: .line(3), found: "'x'").description == "v.json:3: 'x'")
        #expect(FileError(path: "c.json", at: .key("model.vocab"), found: "a string", expected: "an object").description
            == "c.json: key 'model.vocab': a string; expected an object")
        #expect(FileError(path: "a", message: "is a directory; expected a file").description == "a: is a directory; expected a file")
    }
}
