import Foundation
import Testing
import StrataIO

/// Hand-assembled malformed files: each must throw the right `FileError` kind, at the right
/// offset, naming the field and what was expected.
@Suite("GGUF errors")
struct GGUFFileErrorTests {
    @Test("a valid hand-made file reads, with default and custom alignment")
    func validBaseline() throws {
        let file = try GGUFFile(bytes: smallValidGGUF())
        #expect(file.alignment == 32 && file.dataOffset % 32 == 0)
        #expect(file.tensors.map(\.name) == ["v", "m"])
        #expect(Array(file.bytes(of: file.tensors[0])) == Array(0..<16))
        for alignment: UInt32 in [1, 8, 64, 4096] {
            let aligned = try GGUFFile(bytes: smallValidGGUF(alignment: alignment))
            #expect(aligned.alignment == Int(alignment))
            #expect(aligned.dataOffset % Int(alignment) == 0)
            #expect(Array(aligned.bytes(of: aligned.tensors[1])) == [UInt8](repeating: 7, count: 68))
        }
        // No tensors and no metadata: just the header.
        let empty = try GGUFFile(bytes: GGUFBytes.header(tensors: 0, kvs: 0).bytes)
        #expect(empty.tensors.isEmpty && empty.metadata.isEmpty && empty.dataOffset == 32)
    }

    @Test("files that cannot be opened")
    func io() throws {
        let missing = try #require(throws: FileError.self) { try GGUFFile(path: "/nonexistent/m.gguf") }
        #expect(missing.kind == .io && missing.description.hasPrefix("/nonexistent/m.gguf: cannot open file"))
        let directory = try TemporaryDirectory()
        let notFile = try #require(throws: FileError.self) { try GGUFFile(path: directory.path) }
        #expect(notFile.kind == .io && notFile.message.contains("not a regular file"))
        let emptyPath = try directory.write([], to: "empty.gguf")
        let empty = try #require(throws: FileError.self) { try GGUFFile(path: emptyPath) }
        #expect(empty.kind == .truncated && empty.description.contains("file is 0 bytes long"))
    }

    @Test("magic and version")
    func magicAndVersion() throws {
        var bytes = smallValidGGUF()
        bytes[0] = UInt8(ascii: "X")
        let magic = try ggufError(bytes)
        #expect(magic.kind == .badMagic && magic.description == "bad.gguf: at byte 0: key 'magic': file starts with \"XGUF\"; expected \"GGUF\" (not a GGUF file)")
        #expect(try ggufError(Array("PK\u{3}\u{4}".utf8)).kind == .badMagic)

        bytes = smallValidGGUF()
        bytes[4] = 1
        let v1 = try ggufError(bytes)
        #expect(v1.kind == .unsupportedVersion && v1.offset == 4 && v1.message.contains("version 1"))
        bytes[4] = 0
        bytes[7] = 3
        #expect(try ggufError(bytes).message.contains("big-endian"))
        bytes[7] = 0
        bytes[4] = 4
        #expect(try ggufError(bytes).message == "GGUF version 4 is not supported; expected 2 or 3")
    }

    @Test("tensor and metadata counts bounded by the bytes left")
    func counts() throws {
        var b = GGUFBytes.header(tensors: .max, kvs: 0)
        let tensors = try ggufError(b.bytes)
        #expect(tensors.kind == .countOutOfRange && tensors.offset == 8 && tensors.key == "tensor_count")
        #expect(tensors.message.contains("18446744073709551615 tensors cannot fit in the 0 bytes left"))
        b = GGUFBytes.header(tensors: 0, kvs: 1 << 62)
        let kvs = try ggufError(b.bytes)
        #expect(kvs.kind == .countOutOfRange && kvs.offset == 16 && kvs.key == "metadata_kv_count")
        // One entry promised, 13 bytes present: not enough for the smallest entry.
        b = GGUFBytes.header(tensors: 0, kvs: 1)
        b.bytes += [UInt8](repeating: 0, count: 13)
        #expect(try ggufError(b.bytes).kind == .countOutOfRange)
    }

    @Test("string lengths and array counts bounded by the bytes left")
    func lengths() throws {
        var b = GGUFBytes.header(tensors: 0, kvs: 1)
        b.u64(.max)
        b.bytes += [UInt8](repeating: 0x61, count: 1200)
        let key = try ggufError(b.bytes)
        #expect(key.description == "bad.gguf: at byte 24: key 'metadata entry #0': key length 18446744073709551615 exceeds the 1200 bytes left in the file")

        b = GGUFBytes.header(tensors: 0, kvs: 1)
        b.kv("tokenizer.ggml.tokens", type: 9) {
            $0.u32(8)
            $0.u64(3)
            $0.string("a")
            $0.u64(.max)
            $0.bytes += [0, 0, 0, 0, 0, 0, 0, 0]
        }
        let element = try ggufError(b.bytes)
        #expect(element.kind == .countOutOfRange && element.key == "tokenizer.ggml.tokens[1]")
        #expect(element.offset == 24 + 8 + 21 + 4 + 4 + 8 + 9)
        #expect(element.message == "string length 18446744073709551615 exceeds the 8 bytes left in the file")

        // 2^61 uint64 elements: the count times 8 bytes would overflow a naive product.
        b = GGUFBytes.header(tensors: 0, kvs: 1)
        b.kv("k", type: 9) { $0.u32(10); $0.u64(1 << 61); $0.u64(0) }
        let count = try ggufError(b.bytes)
        #expect(count.kind == .countOutOfRange && count.message.contains("array count 2305843009213693952 exceeds"))

        // Arrays of empty arrays: each element needs at least 12 bytes.
        b = GGUFBytes.header(tensors: 0, kvs: 1)
        b.kv("k", type: 9) { $0.u32(9); $0.u64(3); for _ in 0..<2 { $0.u32(0); $0.u64(0) } }
        #expect(try ggufError(b.bytes).message.contains("at most 2 of at least 12 bytes each"))

        // A value cut short.
        b = GGUFBytes.header(tensors: 0, kvs: 1)
        b.kv("k", type: 11) { $0.u32(5) }
        let short = try ggufError(b.bytes)
        #expect(short.kind == .truncated && short.message == "expected 8 bytes for the int64 value but only 4 are left in the file")
    }

    @Test("value types, bools, UTF-8, keys and nesting")
    func values() throws {
        var b = GGUFBytes.header(tensors: 0, kvs: 1)
        b.kv("k", type: 13) { $0.u8(0) }
        let type = try ggufError(b.bytes)
        #expect(type.kind == .invalidValue && type.offset == 33 && type.message.hasPrefix("value type 13 is unknown; expected 0 to 12"))

        b = GGUFBytes.header(tensors: 0, kvs: 1)
        b.kv("k", type: 9) { $0.u32(0xFFFF_FFFF); $0.u64(0) }
        #expect(try ggufError(b.bytes).kind == .invalidValue)

        b = GGUFBytes.header(tensors: 0, kvs: 1)
        b.kv("flags", type: 9) { $0.u32(7); $0.u64(2); $0.u8(1); $0.u8(2) }
        let flag = try ggufError(b.bytes)
        #expect(flag.key == "flags[1]" && flag.message == "bool byte is 2; expected 0 (false) or 1 (true)")

        b = GGUFBytes.header(tensors: 0, kvs: 1)
        b.kv("k", type: 8) { $0.rawString([0x61, 0xC3, 0x28]) }
        let utf8 = try ggufError(b.bytes)
        #expect(utf8.kind == .invalidString && utf8.key == "k" && utf8.message.contains("not valid UTF-8"))

        // Invalid sequences whose U+FFFD repair keeps the length, overlongs and surrogates are caught too.
        for invalid: [UInt8] in [[0xF0, 0x9F, 0x98], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80]] {
            b = GGUFBytes.header(tensors: 0, kvs: 1)
            b.kv("k", type: 9) { $0.u32(8); $0.u64(2); $0.string("ok"); $0.rawString(invalid) }
            let error = try ggufError(b.bytes)
            #expect(error.kind == .invalidString && error.key == "k[1]", "\(invalid)")
        }

        b = GGUFBytes.header(tensors: 0, kvs: 1)
        b.rawString([0xFF, 0xFE])
        b.u32(0); b.u8(0)
        #expect(try ggufError(b.bytes).kind == .invalidString)

        b = GGUFBytes.header(tensors: 0, kvs: 1)
        b.kv("", type: 0) { $0.u8(0) }
        b.u8(0)  // the smallest entry is 14 bytes: let the count check pass
        #expect(try ggufError(b.bytes).message == "key is empty; expected a non-empty name")

        b = GGUFBytes.header(tensors: 0, kvs: 2)
        b.kv("k", type: 0) { $0.u8(1) }
        b.kv("k", type: 0) { $0.u8(2) }
        let duplicate = try ggufError(b.bytes)
        #expect(duplicate.kind == .duplicateKey && duplicate.offset == 38 && duplicate.message.contains("first at offset 24"))

        // Empty arrays are allowed; 16 levels of nesting are, 17 are not.
        func nested(_ depth: Int) -> [UInt8] {
            var b = GGUFBytes.header(tensors: 0, kvs: 2)
            b.kv("empty", type: 9) { $0.u32(8); $0.u64(0) }
            b.kv("deep", type: 9) {
                for _ in 1..<depth { $0.u32(9); $0.u64(1) }
                $0.u32(4); $0.u64(0)
            }
            return b.bytes
        }
        let file = try GGUFFile(bytes: nested(16))
        #expect(file.metadata["empty"] == .array(.string([])))
        #expect(try ggufError(nested(17)).kind == .nestingTooDeep)
        // A nest far deeper than the limit ends with the same error, not a stack overflow.
        #expect(try ggufError(nested(100_000)).kind == .nestingTooDeep)
    }

    @Test("general.alignment must be a uint32 power of two")
    func alignment() throws {
        for bad: UInt32 in [0, 3, 48, 1 << 21, .max] {
            let error = try ggufError(smallValidGGUF(alignment: bad))
            #expect(error.kind == .invalidAlignment && error.key == "general.alignment")
            #expect(error.message.contains("alignment \(bad) is invalid; expected a power of two"))
        }
        var b = GGUFBytes.header(tensors: 0, kvs: 1)
        b.kv("general.alignment", type: 10) { $0.u64(32) }
        let type = try ggufError(b.bytes)
        #expect(type.message == "value is uint64 32; expected a uint32 power of two")
    }

    /// A one-tensor file whose tensor info is written by `info`, with `dataBytes` of data.
    func oneTensor(dataBytes: Int = 64, _ info: (inout GGUFBytes) -> Void) -> [UInt8] {
        var b = GGUFBytes.header(tensors: 1, kvs: 0)
        info(&b)
        b.pad(to: 32)
        b.bytes += [UInt8](repeating: 0, count: dataBytes)
        return b.bytes
    }

    @Test("tensor dimensions, types and sizes")
    func tensorShapes() throws {
        func error(_ dims: [UInt64], type: UInt32 = 0) throws -> FileError {
            try ggufError(oneTensor { $0.tensor("w", dims: dims, type: type, offset: 0) })
        }
        #expect(try error([]).message == "dimension count 0 is invalid; expected 1 to 4")
        #expect(try error([1, 1, 1, 1, 1]).message == "dimension count 5 is invalid; expected 1 to 4")
        let zero = try error([4, 0])
        #expect(zero.kind == .invalidTensor && zero.key == "w" && zero.message == "dimension 1 is 0; expected a positive size")
        #expect(try error([UInt64.max]).message == "dimension 0 is -1; expected a positive size")
        #expect(try error([1 << 32, 1 << 32]).message.contains("overflow the element count"))
        #expect(try error([4], type: 4).message.hasPrefix("ggml type 4 is unknown; expected one of 0 (F32), 1 (F16)"))
        #expect(try error([4], type: 99).kind == .invalidTensor)
        #expect(try error([33, 2], type: 8).message == "row length (dimension 0) 33 is not a multiple of the Q8_0 block size 32")
        #expect(try error([128], type: 12).message.contains("not a multiple of the Q4_K block size 256"))
        // 2^63 - 2^32 Q8_0 elements: the element count fits, the bytes (34 per 32) do not.
        #expect(try error([1 << 31, (1 << 31) - 1, 2], type: 8).message.contains("overflow the addressable byte count"))
        #expect(try error([1 << 30], type: 0).kind == .tensorOutOfRange)
    }

    @Test("tensor names, offsets, ranges and overlaps")
    func tensorPlacement() throws {
        let misaligned = try ggufError(oneTensor { $0.tensor("w", dims: [4], type: 0, offset: 8) })
        #expect(misaligned.kind == .tensorOutOfRange && misaligned.message == "data offset 8 is not a multiple of the alignment 32")
        #expect(try ggufError(oneTensor { $0.tensor("w", dims: [4], type: 0, offset: .max) }).kind == .tensorOutOfRange)
        let past = try ggufError(oneTensor(dataBytes: 15) { $0.tensor("w", dims: [4], type: 0, offset: 0) })
        #expect(past.kind == .tensorOutOfRange && past.offset == 24)
        #expect(past.message == "data [64 + 0, 80) of 16 bytes (F32 [4]) runs past the end of the file at 79")
        #expect(try ggufError(oneTensor { $0.tensor("w", dims: [4], type: 0, offset: 1 << 62) }).message.contains("runs past the end"))

        #expect(try ggufError(oneTensor { $0.tensor("", dims: [4], type: 0, offset: 0) }).kind == .invalidString)
        let long = String(repeating: "n", count: 65)
        #expect(try ggufError(oneTensor { $0.tensor(long, dims: [4], type: 0, offset: 0) }).message.contains("expected 1 to 64 bytes"))
        _ = try GGUFFile(bytes: oneTensor { $0.tensor(String(long.dropLast()), dims: [4], type: 0, offset: 0) })

        func two(_ second: String, offset: UInt64) -> [UInt8] {
            var b = GGUFBytes.header(tensors: 2, kvs: 0)
            b.tensor("a", dims: [16], type: 0, offset: 0)
            b.tensor(second, dims: [8], type: 0, offset: offset)
            b.pad(to: 32)
            b.bytes += [UInt8](repeating: 0, count: 128)
            return b.bytes
        }
        _ = try GGUFFile(bytes: two("b", offset: 64))
        let overlap = try ggufError(two("b", offset: 32))
        #expect(overlap.kind == .overlappingTensors && overlap.key == "b")
        #expect(overlap.message.hasPrefix("data [32, 64) overlaps tensor 'a' at [0, 64)"))
        let duplicate = try ggufError(two("a", offset: 64))
        #expect(duplicate.kind == .duplicateTensor && duplicate.message.contains("first at offset 24"))
    }

    @Test("a GGUF error keeps the key and the offset, and reads as text for every error API")
    func errorText() {
        let error = FileError(kind: .truncated, path: "m.gguf", offset: 24, key: "tokenizer.ggml.tokens", message: "cut short")
        #expect(error.location == .keyAtOffset("tokenizer.ggml.tokens", 24))
        #expect(error.key == "tokenizer.ggml.tokens" && error.offset == 24 && error.message == "cut short")
        #expect(error.description == "m.gguf: at byte 24: key 'tokenizer.ggml.tokens': cut short")
        #expect(error.localizedDescription == error.description)
        #expect(error != FileError(kind: .countOutOfRange, path: "m.gguf", offset: 24, key: "tokenizer.ggml.tokens", message: "cut short"))
        #expect(FileError(kind: .io, path: "m.gguf", message: "x").description == "m.gguf: x")
        #expect(FileError(path: "m.gguf", offset: 8, key: "", message: "x").location == .offset(8))
        #expect(FileError(path: "m.gguf", key: "k", message: "x").location == .key("k"))
        #expect(FileError(path: "m.gguf", message: "x").kind == .other)
    }
}
