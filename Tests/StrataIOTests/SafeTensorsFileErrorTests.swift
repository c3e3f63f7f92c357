import Foundation
import Testing
import StrataIO

@Suite("SafeTensors errors")
struct SafeTensorsFileErrorTests {
    /// Writes `bytes` to a file, reads it, and returns the error thrown.
    func readError(_ bytes: [UInt8], in directory: TemporaryDirectory, sourceLocation: SourceLocation = #_sourceLocation) throws -> FileError {
        let path = try directory.write(bytes, to: "bad.safetensors")
        let error = try #require(throws: FileError.self, sourceLocation: sourceLocation) {
            try SafeTensors.read(path: path)
        }
        #expect(error.description.contains(path), "the description names the file", sourceLocation: sourceLocation)
        return error
    }

    func header(_ entries: String) -> String {
        "{\(entries)}"
    }

    @Test("a missing file")
    func missingFile() throws {
        let error = try #require(throws: FileError.self) {
            try SafeTensors.read(path: "/nonexistent/dir/x.safetensors")
        }
        #expect(error.kind == .io)
        #expect(error.description.contains("/nonexistent/dir/x.safetensors"))
    }

    @Test("a file shorter than 8 bytes")
    func tooShort() throws {
        let directory = try TemporaryDirectory()
        let error = try readError([1, 2, 3, 4, 5], in: directory)
        #expect(error.kind == .fileTooShort)
        #expect(error.description.contains("5 bytes"))
        #expect(error.description.contains("at least 8"))
    }

    @Test("a header length past the end of the file")
    func headerPastEnd() throws {
        let directory = try TemporaryDirectory()
        var bytes = safetensorsBytes(header: "{}", data: [])
        bytes[0] = 200
        let error = try readError(bytes, in: directory)
        #expect(error.kind == .headerLengthOutOfRange)
        #expect(error.description.contains("header length 200"))
        #expect(error.description.contains("at most 2"))
        // A length that does not fit in Int at all.
        bytes.replaceSubrange(0..<8, with: repeatElement(0xFF, count: 8))
        #expect(try readError(bytes, in: directory).kind == .headerLengthOutOfRange)
    }

    @Test("malformed JSON names the byte offset", arguments: [
        ("{\"a\": {\"dtype\": \"F32\",}}", 8 + 22),
        ("{\"a\" 1}", 8 + 5),
        ("[1, 2]", 8),
        ("{\"a\": tru}", 8 + 6),
        ("{\"a\": \"unterminated}", 8 + 20),
        ("{\"a\": 1} x", 8 + 9),
        ("{\"a\": 1, \"a\": 2}", 8 + 9),
    ])
    func malformedJSON(header: String, offset: Int) throws {
        let directory = try TemporaryDirectory()
        let error = try readError(safetensorsBytes(header: header, data: []), in: directory)
        #expect(error.kind == .malformedHeader)
        #expect(error.offset == offset)
        #expect(error.description.contains("at byte \(offset)"))
    }

    @Test("a header that is not UTF-8")
    func notUTF8() throws {
        let directory = try TemporaryDirectory()
        var bytes = safetensorsBytes(header: "{\"a\": 1}", data: [])
        bytes[10] = 0xFF
        let error = try readError(bytes, in: directory)
        #expect(error.kind == .malformedHeader)
        #expect(error.description.contains("UTF-8"))
    }

    @Test("an unknown dtype names the key and the known dtypes")
    func unknownDType() throws {
        let directory = try TemporaryDirectory()
        let bytes = safetensorsBytes(
            header: header(#""fc.weight": {"dtype": "F31", "shape": [1], "data_offsets": [0, 4]}"#), data: [0, 0, 0, 0])
        let error = try readError(bytes, in: directory)
        #expect(error.kind == .unknownDType)
        #expect(error.key == "fc.weight")
        #expect(error.description.contains("key 'fc.weight'"))
        #expect(error.description.contains("F31"))
        #expect(error.description.contains("BF16"))
    }

    @Test("a missing field or a bad shape names the key")
    func badEntry() throws {
        let directory = try TemporaryDirectory()
        let missing = try readError(safetensorsBytes(header: header(#""t": {"dtype": "U8", "shape": [1]}"#), data: [0]), in: directory)
        #expect(missing.key == "t")
        #expect(missing.description.contains("data_offsets"))
        let negative = try readError(safetensorsBytes(
            header: header(#""t": {"dtype": "U8", "shape": [-1], "data_offsets": [0, 1]}"#), data: [0]), in: directory)
        #expect(negative.kind == .invalidShape)
        #expect(negative.description.contains("key 't'"))
        let fractional = try readError(safetensorsBytes(
            header: header(#""t": {"dtype": "U8", "shape": [1.5], "data_offsets": [0, 1]}"#), data: [0]), in: directory)
        #expect(fractional.kind == .invalidShape)
        let huge = try readError(safetensorsBytes(
            header: header(#""t": {"dtype": "F64", "shape": [4294967296, 4294967296], "data_offsets": [0, 1]}"#), data: [0]), in: directory)
        #expect(huge.kind == .invalidShape)
        #expect(huge.description.contains("overflow"))
    }

    @Test("offsets past the data section name the key")
    func offsetsOutOfRange() throws {
        let directory = try TemporaryDirectory()
        let error = try readError(safetensorsBytes(
            header: header(#""w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}"#), data: [0, 0, 0, 0]), in: directory)
        #expect(error.kind == .offsetsOutOfRange)
        #expect(error.description.contains("key 'w'"))
        #expect(error.description.contains("[0, 8]"))
        #expect(error.description.contains("<= 4"))
        let reversed = try readError(safetensorsBytes(
            header: header(#""w": {"dtype": "F32", "shape": [0], "data_offsets": [4, 0]}"#), data: [0, 0, 0, 0]), in: directory)
        #expect(reversed.kind == .offsetsOutOfRange)
        let wrongCount = try readError(safetensorsBytes(
            header: header(#""w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}"#), data: [0, 0, 0, 0]), in: directory)
        #expect(wrongCount.kind == .offsetsOutOfRange)
    }

    @Test("overlapping tensors name both keys")
    func overlapping() throws {
        let directory = try TemporaryDirectory()
        let error = try readError(safetensorsBytes(
            header: header(#""a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}"#),
            data: [UInt8](repeating: 0, count: 8)), in: directory)
        #expect(error.kind == .overlappingTensors)
        #expect(error.description.contains("key 'b'"))
        #expect(error.description.contains("'a'"))
        let offset = try #require(error.offset)
        #expect(error.key == "b" && error.description.contains("at byte \(offset): key 'b': "), "\(error)")
    }

    @Test("offsets that do not match shape times dtype size name the key")
    func sizeMismatch() throws {
        let directory = try TemporaryDirectory()
        let error = try readError(safetensorsBytes(
            header: header(#""m": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 12]}"#),
            data: [UInt8](repeating: 0, count: 16)), in: directory)
        #expect(error.kind == .sizeMismatch)
        #expect(error.description.contains("key 'm'"))
        #expect(error.description.contains("12 bytes"))
        #expect(error.description.contains("expected 16"))
    }

    @Test("metadata must be an object of strings")
    func badMetadata() throws {
        let directory = try TemporaryDirectory()
        let error = try readError(safetensorsBytes(header: #"{"__metadata__": {"epoch": 3}}"#, data: []), in: directory)
        #expect(error.kind == .invalidMetadata)
        #expect(error.description.contains("key '__metadata__.epoch'"))
        #expect(error.description.contains("expected a string"))
        let notObject = try readError(safetensorsBytes(header: #"{"__metadata__": []}"#, data: []), in: directory)
        #expect(notObject.kind == .invalidMetadata)
    }

    @Test("write rejects inconsistent entries and leaves no file")
    func writeErrors() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("out.safetensors")
        let wrongSize = try #require(throws: FileError.self) {
            try SafeTensors.write(["w": SafeTensorsEntry(dtype: "F32", shape: [2], data: [0, 0, 0])], to: path)
        }
        #expect(wrongSize.kind == .invalidTensor)
        #expect(wrongSize.description.contains("key 'w'"))
        #expect(wrongSize.description.contains("expected 8"))
        let badDType = try #require(throws: FileError.self) {
            try SafeTensors.write(["w": SafeTensorsEntry(dtype: "float", shape: [1], data: [0])], to: path)
        }
        #expect(badDType.description.contains("float"))
        let reserved = try #require(throws: FileError.self) {
            try SafeTensors.write(["__metadata__": SafeTensorsEntry(dtype: "U8", shape: [1], data: [0])], to: path)
        }
        #expect(reserved.kind == .invalidTensor)
        #expect(try directory.contents().isEmpty)
    }

    @Test("write into a missing directory throws an I/O error naming the path")
    func writeIntoMissingDirectory() throws {
        let error = try #require(throws: FileError.self) {
            try SafeTensors.write(["w": SafeTensorsEntry(dtype: "U8", shape: [1], data: [0])], to: "/nonexistent/dir/w.safetensors")
        }
        #expect(error.kind == .io)
        #expect(error.description.contains("/nonexistent/dir/w.safetensors"))
    }
}
