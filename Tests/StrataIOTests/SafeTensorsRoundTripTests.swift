import Foundation
import Testing
import StrataIO

@Suite("SafeTensors round trips")
struct SafeTensorsRoundTripTests {
    @Test("tensors of every dtype and the metadata come back unchanged")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.safetensors")
        var tensors: [String: SafeTensorsEntry] = [:]
        for (index, (dtype, size)) in SafeTensors.dtypeByteSizes.sorted(by: { $0.key < $1.key }).enumerated() {
            let count = 2 * 3
            let data = (0..<(count * size)).map { UInt8(truncatingIfNeeded: $0 * 7 + index) }
            tensors["layer.\(dtype.lowercased()).weight"] = SafeTensorsEntry(dtype: dtype, shape: [2, 3], data: data)
        }
        tensors["scalar"] = SafeTensorsEntry(float32: [3.5], shape: [])
        tensors["empty"] = SafeTensorsEntry(dtype: "F32", shape: [0, 4], data: [])
        tensors["név \"quoted\"\n"] = SafeTensorsEntry(dtype: "U8", shape: [1], data: [9])
        let metadata = ["format": "pt", "note": "line1\nline2 \"q\" \\ ü"]

        try SafeTensors.write(tensors, metadata: metadata, to: path)
        let (readTensors, readMetadata) = try SafeTensors.read(path: path)
        #expect(readTensors == tensors)
        #expect(readMetadata == metadata)
        #expect(try directory.contents() == ["model.safetensors"], "no temporary file left behind")
    }

    @Test("the header is padded to 8 bytes, keys sorted and data packed in key order")
    func layout() throws {
        let tensors = [
            "b": SafeTensorsEntry(dtype: "U8", shape: [3], data: [1, 2, 3]),
            "a": SafeTensorsEntry(dtype: "I16", shape: [2], data: [4, 5, 6, 7]),
        ]
        let bytes = [UInt8](try SafeTensors.encode(tensors, metadata: ["k": "v"]))
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect(bytes[2..<8].allSatisfy { $0 == 0 })
        #expect(headerLength % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        let expected = #"{"__metadata__":{"k":"v"},"a":{"dtype":"I16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[3],"data_offsets":[4,7]}}"#
        #expect(header.trimmingCharacters(in: .whitespaces) == expected)
        #expect(Array(bytes[(8 + headerLength)...]) == [4, 5, 6, 7, 1, 2, 3])
    }

    @Test("a header with whitespace, escapes, extra fields and no metadata reads")
    func lenientHeader() throws {
        let header = "{ \"w\\u00e9\\ud83d\\ude00\" : { \"shape\" : [ 2 ], \"dtype\" : \"F16\", \"data_offsets\" : [ 0 , 4 ], \"extra\": [true, null, -1.5e3] } }\n"
        let (tensors, metadata) = try SafeTensors.decode(Data(safetensorsBytes(header: header, data: [0x00, 0x3C, 0x00, 0xC0])))
        #expect(metadata.isEmpty)
        let entry = try #require(tensors["wé😀"])
        #expect(entry.shape == [2])
        #expect(try entry.floatValues() == [1, -2])
    }

    @Test("an existing file is replaced")
    func overwrite() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("w.safetensors")
        try SafeTensors.write(["x": SafeTensorsEntry(dtype: "U8", shape: [1], data: [1])], to: path)
        try SafeTensors.write(["y": SafeTensorsEntry(dtype: "U8", shape: [2], data: [2, 3])], to: path)
        let (tensors, _) = try SafeTensors.read(path: path)
        #expect(Array(tensors.keys) == ["y"])
        #expect(try directory.contents() == ["w.safetensors"])
    }

    @Test("a 64 MB tensor round-trips")
    func largeTensor() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("big.safetensors")
        let count = 16 * 1024 * 1024
        var data = [UInt8](repeating: 0, count: count * 4)
        for index in stride(from: 0, to: data.count, by: 4099) {
            data[index] = UInt8(truncatingIfNeeded: index)
        }
        let entry = SafeTensorsEntry(dtype: "F32", shape: [4096, 4096], data: data)
        try SafeTensors.write(["big": entry, "small": SafeTensorsEntry(dtype: "U8", shape: [1], data: [5])], to: path)
        let (tensors, _) = try SafeTensors.read(path: path)
        #expect(tensors["big"] == entry)
        #expect(tensors["small"]?.data == [5])
    }
}

@Suite("SafeTensorsEntry conversions")
struct SafeTensorsEntryConversionTests {
    @Test("F32 values are stored little-endian and read back")
    func float32() throws {
        let entry = SafeTensorsEntry(float32: [1, -2.5, .infinity], shape: [3])
        #expect(entry.dtype == "F32")
        #expect(Array(entry.data[0..<4]) == [0x00, 0x00, 0x80, 0x3F])
        #expect(try entry.floatValues() == [1, -2.5, .infinity])
    }

    @Test("F16, BF16, F64 and integer dtypes convert to Float")
    func conversions() throws {
        // F16: 1.0, -2.0, 65504 (largest), smallest subnormal 2^-24, +inf.
        let half = SafeTensorsEntry(dtype: "F16", shape: [5], data: [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0x7C])
        #expect(try half.floatValues() == [1, -2, 65504, 0x1p-24, .infinity])
        #expect(try SafeTensorsEntry(dtype: "F16", shape: [1], data: [0x00, 0x7E]).floatValues()[0].isNaN)
        let bf16 = SafeTensorsEntry(dtype: "BF16", shape: [2], data: [0x80, 0x3F, 0x40, 0xC0])
        #expect(try bf16.floatValues() == [1, -3])
        var double: [UInt8] = []
        withUnsafeBytes(of: (0.25 as Double).bitPattern.littleEndian) { double += $0 }
        #expect(try SafeTensorsEntry(dtype: "F64", shape: [], data: double).floatValues() == [0.25])
        #expect(try SafeTensorsEntry(dtype: "I32", shape: [2], data: [0xFF, 0xFF, 0xFF, 0xFF, 7, 0, 0, 0]).floatValues() == [-1, 7])
        #expect(try SafeTensorsEntry(dtype: "BOOL", shape: [2], data: [1, 0]).floatValues() == [1, 0])
    }

    @Test("conversion of a wrong-sized or 8-bit float entry throws")
    func conversionErrors() {
        let wrongSize = #expect(throws: FileError.self) {
            try SafeTensorsEntry(dtype: "F32", shape: [2], data: [0, 0, 0]).floatValues()
        }
        #expect(wrongSize?.kind == .invalidTensor)
        let eightBit = #expect(throws: FileError.self) {
            try SafeTensorsEntry(dtype: "F8_E4M3", shape: [1], data: [0]).floatValues()
        }
        #expect(eightBit?.kind == .invalidTensor)
    }
}
