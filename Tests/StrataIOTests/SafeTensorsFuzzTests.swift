import Foundation
import Testing
import StrataCore
import StrataIO
import _StrataTestSupport

/// Damaged copies of a small safetensors file (five dtypes, a scalar, an empty tensor, metadata):
/// every case must end in a `FileError` or a read whose entries match their shapes and
/// convert to tensors; never a crash, a hang or another error.
@Suite("safetensors fuzzing")
struct SafeTensorsFuzzTests {
    static func validFile() throws -> [UInt8] {
        let entries: [String: SafeTensorsEntry] = [
            "layer.weight": SafeTensorsEntry(float32: (0..<12).map { Float($0) * 0.25 - 1 }, shape: [3, 4]),
            "layer.bias": SafeTensorsEntry(dtype: "BF16", shape: [4], data: [0, 0x3F, 0x80, 0x3F, 0, 0xC0, 0x80, 0x40]),
            "steps": SafeTensorsEntry(dtype: "I64", shape: [], data: [7, 0, 0, 0, 0, 0, 0, 0]),
            "ids": SafeTensorsEntry(dtype: "U8", shape: [2, 3], data: [1, 2, 3, 4, 5, 6]),
            "mask": SafeTensorsEntry(dtype: "BOOL", shape: [3], data: [1, 0, 1]),
            "empty": SafeTensorsEntry(dtype: "F16", shape: [0, 5], data: []),
        ]
        return [UInt8](try SafeTensors.encode(entries, metadata: ["format": "pt", "epoch": "3"]))
    }

    @Test("truncations, bit flips, extreme fields, range edits and wrong JSON types")
    func fuzz() throws {
        let original = try Self.validFile()
        let headerEnd = 8 + Int(original[0]) + Int(original[1]) << 8
        let scratch = try FuzzDirectory("safetensors")
        // The whole file as bytes, then the header's JSON damaged and re-framed with a matching
        // length prefix, so that the damage reaches the JSON and the layout checks.
        let raw = FuzzCases(original, seed: 0x5AFE,
                            budget: FuzzCases.Budget(truncations: original.count, fieldPositions: 64, fieldRegion: 0..<headerEnd))
        let parts = try #require(safetensorsParts(original))
        let header = FuzzCases(parts.header, seed: 0x5AFF, budget: .text(truncations: 300, textEdits: 800))
            .map { FuzzCase(label: "header: \($0.label)", bytes: safetensorsFile(header: $0.bytes, data: parts.data)) }
        var index = 0
        let summary = FuzzRun.run("safetensors", Array(raw) + header,
                                  expected: { $0 is FileError }) { fuzzCase in
            index += 1
            let entries: [String: SafeTensorsEntry]
            if index % 8 == 0 {
                // The path API (memory-mapped read, then conversion) on a sample of the cases.
                let path = try scratch.write(fuzzCase.bytes, to: "model.safetensors")
                let (tensors, metadata) = try SafeTensors.load(path: path)
                try FuzzRun.check(tensors.count >= 0 && metadata.count >= 0, "")
                entries = try SafeTensors.read(path: path).tensors
            } else {
                entries = try SafeTensors.decode(Data(fuzzCase.bytes), source: "fuzz.safetensors").tensors
            }
            for (key, entry) in entries {
                let size = SafeTensors.byteSize(ofDType: entry.dtype) ?? -1
                try FuzzRun.check(entry.shape.allSatisfy { $0 >= 0 } && entry.data.count == entry.elementCount * size,
                                  "\(key): \(entry.data.count) bytes for \(entry.dtype) \(entry.shape)")
                let tensor = try entry.tensor(key: key, path: "fuzz.safetensors")
                try FuzzRun.check(tensor.shape.dims == entry.shape, "\(key): tensor shape \(tensor.shape)")
            }
        }
        #expect(summary.passed, "\(summary.report)")
        #expect(summary.errors > 0 && summary.successes > 0)
    }
}

/// Seen while writing the fuzz test: a BOOL tensor whose bytes are not 0 or 1 was loaded as Bool storage.
@Test("a BOOL tensor with a byte other than 0 or 1 is an error naming the key")
func boolTensorWithInvalidByte() throws {
    let entry = SafeTensorsEntry(dtype: "BOOL", shape: [3], data: [1, 0, 2])
    let error = #expect(throws: FileError.self) { try entry.tensor(key: "mask", path: "m.safetensors") }
    #expect(error?.kind == .invalidTensor && error?.key == "mask" && error?.description.contains("byte 2") == true)
}
