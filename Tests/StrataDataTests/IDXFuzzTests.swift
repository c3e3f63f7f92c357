import Foundation
import Testing
import StrataData
import StrataIO
import _StrataTestSupport

/// Damaged IDX files (raw and gzip-compressed) and gzip streams: every case must end in the
/// parser's own error (a `FileError`) or a read whose sizes agree; never a
/// crash, a hang or an allocation past the bound.
@Suite("IDX and gzip fuzzing")
struct IDXFuzzTests {
    /// A small MNIST-shaped image file: 3 images of 4 x 5.
    static let images = IDXArray(dimensions: [3, 4, 5], bytes: (0..<60).map { UInt8($0 * 4) })

    static func checkConsistent(_ array: IDXArray) throws {
        try FuzzRun.check(!array.dimensions.isEmpty && array.dimensions.allSatisfy { $0 >= 0 }
                              && array.bytes.count == array.dimensions.reduce(1, *),
                          "dimensions \(array.dimensions) for \(array.bytes.count) bytes")
        if array.count > 0 { try FuzzRun.check(array.item(array.count - 1).count == array.itemSize, "item size") }
    }

    @Test("raw IDX: every truncation, flips, extreme header fields, range edits")
    func raw() throws {
        let original = IDX.encode(Self.images)
        let scratch = try FuzzDirectory("idx")
        let budget = FuzzCases.Budget(fieldPositions: 16, fieldRegion: 0..<16, rangeEdits: 200)
        var index = 0
        let summary = FuzzRun.run("IDX raw", FuzzCases(original, seed: 0x1D8, budget: budget),
                                  expected: { $0 is FileError }) { fuzzCase in
            index += 1
            let array: IDXArray
            if index % 4 == 0 {
                array = try IDX.read(path: try scratch.write(fuzzCase.bytes, to: "images-idx3-ubyte"))
            } else {
                array = try IDX.decode(fuzzCase.bytes, source: "fuzz.idx")
            }
            try Self.checkConsistent(array)
        }
        #expect(summary.passed, "\(summary.report)")
        #expect(summary.errors > 0 && summary.successes > 0)
    }

    @Test("gzip-compressed IDX through IDX.read")
    func gzipped() throws {
        let original = try Gzip.compress(IDX.encode(Self.images), level: 9)
        let scratch = try FuzzDirectory("idx-gz")
        let summary = FuzzRun.run("IDX gzip", FuzzCases(original, seed: 0x1D8_6, budget: FuzzCases.Budget(rangeEdits: 200)),
                                  expected: { $0 is FileError }) { fuzzCase in
            try Self.checkConsistent(try IDX.read(path: try scratch.write(fuzzCase.bytes, to: "images-idx3-ubyte.gz")))
        }
        #expect(summary.passed, "\(summary.report)")
        #expect(summary.errors > 0)
    }

    @Test("the gzip decoder with a tight output limit")
    func gzipDecoder() throws {
        let text = Array(String(repeating: "the quick brown fox jumps over the lazy dog 0123456789\n", count: 40).utf8)
        let original = try Gzip.compress(text)
        let limit = text.count + 64
        let summary = FuzzRun.run("gzip decoder", FuzzCases(original, seed: 0x6217, budget: FuzzCases.Budget(rangeEdits: 200)),
                                  expected: { $0 is FileError }) { fuzzCase in
            let output = try Gzip.decompress(fuzzCase.bytes, limit: limit)
            try FuzzRun.check(output.count <= limit, "\(output.count) bytes past the limit \(limit)")
            let prefix = try Gzip.decompress(fuzzCase.bytes, prefix: 16)
            try FuzzRun.check(prefix.count <= 16 && prefix == Array(output.prefix(16)), "prefix differs")
        }
        #expect(summary.passed, "\(summary.report)")
        #expect(summary.errors > 0)
    }
}
