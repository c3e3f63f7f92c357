import Foundation
import Testing
import StrataCore
import StrataIO

/// The Swift reader against gguf-py's GGUFReader on Fixtures/small.gguf (Scripts/make_gguf_fixtures.py).
@Suite("GGUF fixture agrees with gguf-py")
struct GGUFFixtureTests {
    let reference: [String: Any]

    init() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: try GGUFFixtures.smallJSON))
        reference = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("header, keys in order, alignment and data offset")
    func header() throws {
        let file = try GGUFFile(path: try GGUFFixtures.smallGGUF)
        #expect(file.version == reference["version"] as? Int)
        #expect(file.alignment == reference["alignment"] as? Int)
        #expect(file.dataOffset == reference["data_offset"] as? Int)
        #expect(file.fileSize == reference["file_size"] as? Int)
        #expect(file.metadataKeys == reference["metadata_keys"] as? [String])
        #expect(Set(file.metadata.keys) == Set(file.metadataKeys))
    }

    @Test("every metadata value, type and nesting")
    func metadata() throws {
        let file = try GGUFFile(path: try GGUFFixtures.smallGGUF)
        let expected = try #require(reference["metadata"] as? [String: Any])
        #expect(expected.count == file.metadata.count)
        for (key, json) in expected {
            let value = try #require(file.metadata[key], "missing \(key)")
            try check(value, against: try #require(json as? [String: Any]), at: key)
        }
        // Every one of the 13 types appears, as a scalar and as an array element type.
        let scalarTypes = Set(file.metadata.values.map(\.type))
        let elementTypes = Set(file.metadata.values.compactMap { $0.arrayValue?.elementType })
        #expect(scalarTypes.union([.array]) == Set(GGUFValueType.allCases))
        #expect(elementTypes == Set(GGUFValueType.allCases))
    }

    @Test("tensor names, types, dimensions, offsets and bytes")
    func tensors() throws {
        let file = try GGUFFile(path: try GGUFFixtures.smallGGUF)
        let expected = try #require(reference["tensors"] as? [[String: Any]])
        #expect(file.tensors.count == expected.count)
        #expect(Set(file.tensors.map(\.type)) == [.f32, .f16, .i32, .q8_0, .q4_0, .q4_1, .q4_K, .q6_K])
        for (info, json) in zip(file.tensors, expected) {
            #expect(info.name == json["name"] as? String)
            #expect(info.type.rawValue == json["type_id"] as? UInt32)
            #expect(info.type.description == json["type"] as? String)
            #expect(info.dimensions == json["dimensions"] as? [Int], "\(info.name)")
            #expect(info.elementCount == json["element_count"] as? Int)
            #expect(info.byteCount == json["byte_count"] as? Int)
            #expect(info.offset == json["offset"] as? Int)
            #expect(Array(file.bytes(of: info)).hex == json["data_hex"] as? String, "\(info.name)")
            #expect(file.tensor(named: info.name) == info)
        }
        #expect(file.tensor(named: "missing") == nil)
        let matrix = try #require(file.tensor(named: "q8_0.weight"))
        #expect(matrix.columns == 64 && matrix.rows == 3 && matrix.rowMajorShape == [3, 64])
        let cube = try #require(file.tensor(named: "f32.cube"))
        #expect(cube.dimensions == [4, 3, 2] && cube.columns == 4 && cube.rows == 6)
        let vector = try #require(file.tensor(named: "f32.vector"))
        #expect(vector.rows == 1 && vector.columns == 7)
    }

    @Test("bytes in memory, a version 2 header and the mapped file read the same")
    func sources() throws {
        let path = try GGUFFixtures.smallGGUF
        let mapped = try GGUFFile(path: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let inMemory = try GGUFFile(bytes: bytes, source: "small.gguf")
        #expect(inMemory.metadata == mapped.metadata)
        #expect(inMemory.tensors == mapped.tensors)
        var version2 = bytes
        version2[4] = 2
        let v2 = try GGUFFile(data: Data(version2))
        #expect(v2.version == 2)
        #expect(v2.metadata == mapped.metadata && v2.tensors == mapped.tensors && v2.dataOffset == mapped.dataOffset)
        for info in mapped.tensors {
            #expect(Array(v2.bytes(of: info)) == Array(mapped.bytes(of: info)))
        }
    }

    @Test("typed getters convert and name the key on mismatch")
    func typedGetters() throws {
        let file = try GGUFFile(path: try GGUFFixtures.smallGGUF)
        #expect(try file.requiredInt("test.int8") == -100)
        #expect(try file.requiredInt("test.uint32") == 4_000_000_000)
        #expect(try file.requiredInt("test.int64") == -(1 << 62) - 7)
        #expect(try file.optionalInt("absent.key") == nil)
        #expect(try file.requiredDouble("test.float64") == 2.718281828459045)
        #expect(try file.requiredDouble("test.float32") == Double(Float(3.14159)))
        #expect(try file.requiredDouble("test.uint16") == 60000)
        #expect(try file.requiredString("test.string") == "héllo, wörld ✓ 日本")
        #expect(try file.requiredString("test.empty_string") == "")
        #expect(try file.optionalBool("test.bool_true") == true)
        #expect(try file.requiredBool("test.bool_false") == false)
        #expect(try file.stringArray("test.array.string") == ["a", "", "ĠHello", "日本語", "<|im_end|>"])
        #expect(try file.intArray("test.array.int16") == [-32768, 32767, 1])
        #expect(try file.floatArray("test.array.float32") == [0.5, -1.25, 1e-3, 65504.0])
        #expect(try file.stringArray("tokenizer.ggml.tokens").count == 64)

        let wrongType = try #require(throws: FileError.self) { try file.requiredString("test.int32") }
        #expect(wrongType.kind == .typeMismatch && wrongType.key == "test.int32")
        #expect(wrongType.description.contains("value is int32 -2000000000; expected a string"))
        #expect(wrongType.offset != nil)
        // 2^63 + 5 does not fit in Int.
        let tooBig = try #require(throws: FileError.self) { try file.requiredInt("test.uint64") }
        #expect(tooBig.kind == .typeMismatch)
        #expect(throws: FileError.self) { try file.intArray("test.array.uint64") }
        let missing = try #require(throws: FileError.self) { try file.requiredInt("llama.block_count") }
        #expect(missing.kind == .missingKey && missing.description.contains("key 'llama.block_count': key is missing; expected an integer"))
        #expect(throws: FileError.self) { try file.optionalBool("test.uint8") }
        #expect(throws: FileError.self) { try file.stringArray("test.array.nested_string") }
    }

    @Test("values print compactly")
    func descriptions() throws {
        let file = try GGUFFile(path: try GGUFFixtures.smallGGUF)
        #expect(file.metadata["test.array.int32"]?.description == "[4 x int32: -1, 2, -3, ...]")
        #expect(file.metadata["test.string"]?.description == "\"héllo, wörld ✓ 日本\"")
        #expect(file.metadata["test.array.nested_int32"]?.description == "[3 x array: [3 x int32: 1, 2, 3], [1 x int32: 4], [2 x int32: 5, 6]]")
    }

    // MARK: - Comparison with the JSON

    func check(_ value: GGUFValue, against json: [String: Any], at key: String) throws {
        #expect(value.type.description == json["type"] as? String, "\(key)")
        switch value {
        case .array(let array):
            #expect(array.elementType.description == json["element_type"] as? String, "\(key)")
            let elements = try #require(json["value"] as? [[String: Any]], "\(key)")
            #expect(array.count == elements.count, "\(key)")
            for (index, element) in elements.enumerated() where index < array.count {
                try check(array[index], against: element, at: "\(key)[\(index)]")
            }
        case .string(let text):
            #expect(text == json["value"] as? String, "\(key)")
        case .bool(let flag):
            #expect(flag == json["value"] as? Bool, "\(key)")
        case .float32(let number):
            #expect(Double(number) == Double(try #require(json["value"] as? String)), "\(key)")
        case .float64(let number):
            #expect(number == Double(try #require(json["value"] as? String)), "\(key)")
        default:
            #expect(value.description == json["value"] as? String, "\(key)")
        }
    }
}
