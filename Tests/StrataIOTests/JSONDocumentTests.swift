import Foundation
import Testing
import StrataIO

@Suite("JSONDocument: typed look-ups with errors that name the file and key")
struct JSONDocumentTests {
    private func document(_ text: String) throws -> JSONDocument {
        try JSONDocument(data: Data(text.utf8), path: "cfg.json")
    }

    @Test func readsValues() throws {
        let root = try document(#"{"n": 12, "eps": 1e-12, "name": "bert", "on": true, "list": [1, {"x": null}], "obj": {"a": 1}}"#).root
        #expect(try root.member("n").int() == 12)
        #expect(try root.member("eps").double() == 1e-12)
        #expect(try root.member("name").string() == "bert")
        #expect(try root.member("on").bool())
        #expect(try root.member("list").elements().count == 2)
        #expect(try root.optionalMember("absent") == nil)
        #expect(try root.member("list").elements()[1].optionalMember("x") == nil)   // null counts as absent
        #expect(try root.member("obj").members().map(\.key) == ["a"])
        #expect(try root.member("obj").member("a").keyPath == "obj.a")
    }

    @Test func errorsNameTheKeyPath() throws {
        let root = try document(#"{"model": {"vocab": {"a": "zero"}}, "list": [true]}"#).root
        #expect(throws: FileError(path: "cfg.json", keyPath: "model.vocab.a", message: "expected an integer, found a string")) {
            try root.member("model").member("vocab").member("a").int()
        }
        #expect(throws: FileError(path: "cfg.json", keyPath: "model.size", message: "missing; expected a value")) {
            try root.member("model").member("size")
        }
        #expect(throws: FileError(path: "cfg.json", keyPath: "list[0]", message: "expected a string, found true")) {
            try root.member("list").elements()[0].string()
        }
        #expect(throws: FileError(path: "cfg.json", keyPath: "list", message: "expected an object, found an array")) {
            try root.member("list").member("x")
        }
        let error = FileError(path: "cfg.json", keyPath: "list", message: "m")
        #expect(error.description == "cfg.json: key 'list': m")
    }

    @Test func numbersAreCheckedExactly() throws {
        let root = try document(#"{"big": 1e400, "frac": 2.5, "huge": 99999999999999999999}"#).root
        #expect(throws: FileError.self) { try root.member("big").double() }     // not finite
        #expect(throws: FileError.self) { try root.member("frac").int() }
        #expect(throws: FileError.self) { try root.member("huge").int() }       // beyond Int
    }

    @Test func malformedInputNamesTheOffset() throws {
        #expect(throws: FileError(path: "cfg.json", at: .offset(6), found: "invalid JSON: expected a JSON value, found '}'")) {
            try document(#"{"a": }"#)
        }
        #expect(throws: FileError(path: "bad.json", keyPath: "", message: "not valid UTF-8; expected a UTF-8 JSON text")) {
            try JSONDocument(data: Data([0x7B, 0xFF, 0x7D]), path: "bad.json")
        }
        #expect(try JSONDocument(data: Data([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)), path: "bom.json").root.elements().count == 1)
        let dir = try TemporaryDirectory()
        let big = try dir.write(Array("[1, 2, 3]".utf8), to: "big.json")
        #expect(throws: FileError(path: big, keyPath: "", message: "file is 9 bytes; expected at most 4")) {
            try JSONDocument(path: big, maximumBytes: 4)
        }
        #expect(throws: FileError.self) { try JSONDocument(path: dir.file("absent.json")) }
    }
}
