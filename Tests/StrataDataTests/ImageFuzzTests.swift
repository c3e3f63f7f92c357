import Foundation
import Testing
import StrataData
import StrataIO
import _StrataTestSupport

/// Damaged PNG, PGM and PPM files: every case must end in a `FileError` or an image whose
/// pixel count matches its size; never a crash, a hang or an allocation past the bound.
@Suite("image fuzzing")
struct ImageFuzzTests {
    static func run(_ format: String, _ original: [UInt8], seed: UInt64, budget: FuzzCases.Budget,
                    fixCRCs: Bool = false) throws -> FuzzSummary {
        let scratch = try FuzzDirectory("image")
        var index = 0
        return FuzzRun.run(format, FuzzCases(original, seed: seed, budget: budget),
                           expected: { $0 is FileError }) { fuzzCase in
            index += 1
            // With fixCRCs, every other case gets correct chunk CRCs, so damage reaches IHDR, PLTE and IDAT.
            let bytes = fixCRCs && index % 2 == 0 ? PNGChunks.withFixedCRCs(fuzzCase.bytes) : fuzzCase.bytes
            let image = index % 5 == 0
                ? try GrayImage.read(path: try scratch.write(bytes, to: "image"))
                : try GrayImage.decode(bytes, source: "fuzz-image")
            try FuzzRun.check(image.width > 0 && image.height > 0 && image.pixels.count == image.width * image.height,
                              "\(image.width) x \(image.height) with \(image.pixels.count) pixels")
        }
    }

    static func expectClean(_ summary: FuzzSummary) {
        #expect(summary.passed, "\(summary.report)")
        #expect(summary.errors > 0 && summary.successes > 0)
    }

    @Test("gray PNG from the library's encoder")
    func grayPNG() throws {
        let image = GrayImage(width: 7, height: 5, pixels: (0..<35).map { UInt8($0 * 7) })
        let original = try image.encodedPNG()
        Self.expectClean(try Self.run("PNG gray", original, seed: 0x9E6,
                                 budget: FuzzCases.Budget(fieldPositions: 64, fieldRegion: 0..<40, rangeEdits: 200),
                                 fixCRCs: true))
    }

    @Test("palette PNG with transparency, every filter, IDAT split in three")
    func palettePNG() throws {
        var encoder = PNGTestEncoder(width: 6, height: 5)
        encoder.colorType = 3
        encoder.filters = [0, 1, 2, 3, 4]
        encoder.idatCount = 3
        encoder.chunksBeforeData = [("PLTE", [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]), ("tRNS", [255, 128])]
        let rows = (0..<5).map { y in (0..<6).map { x in UInt8((x + y) % 3) } }
        let original = try encoder.encode(rows: rows)
        Self.expectClean(try Self.run("PNG palette", original, seed: 0x9E7,
                                 budget: FuzzCases.Budget(fieldPositions: 64, rangeEdits: 200), fixCRCs: true))
    }

    @Test("PGM and PPM, binary and ASCII")
    func netpbm() throws {
        let p5 = Array("P5\n# a comment\n4 3\n255\n".utf8) + (0..<12).map { UInt8($0 * 20) }
        let p2 = Array("P2\n4 3\n15\n0 1 2 3\n4 5 6 7\n8 9 10 15\n".utf8)
        let p6 = Array("P6 2 2 65535\n".utf8) + (0..<24).map { UInt8($0 * 10) }
        let p3 = Array("P3\n2 2\n255\n255 0 0  0 255 0\n0 0 255  255 255 255\n".utf8)
        var total = FuzzSummary(format: "PGM/PPM")
        for (k, original) in [p5, p2, p6, p3].enumerated() {
            let summary = try Self.run("PGM/PPM P\([5, 2, 6, 3][k])", original, seed: 0x9E8 + UInt64(k),
                                       budget: .text(truncations: original.count, textEdits: 150))
            #expect(summary.passed, "\(summary.report)")
            total.cases += summary.cases
            total.errors += summary.errors
            total.successes += summary.successes
        }
        #expect(total.errors > 0 && total.successes > 0)
    }
}

/// Recomputes the CRC of every chunk that fits in the file, so that damage inside a chunk gets
/// past the CRC check and reaches the chunk's parser.
enum PNGChunks {
    static func withFixedCRCs(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        var position = 8
        while position + 12 <= bytes.count {
            let length = Int(bytes[position]) << 24 | Int(bytes[position + 1]) << 16 | Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
            let end = position + 8 + length
            guard length >= 0, end + 4 <= bytes.count else { break }
            let crc = crc32(bytes[(position + 4)..<end])
            for k in 0..<4 { bytes[end + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k))) }
            position = end + 4
        }
        return bytes
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
