import Foundation
import Testing
import StrataData
import StrataIO

@Suite("Gzip and Zlib")
struct GzipTests {
    @Test("gzip round trips", arguments: [0, 1, 1000, 300_000])
    func gzipRoundTrip(count: Int) throws {
        let original = pseudoRandomBytes(count: count / 2) + [UInt8](repeating: 42, count: count - count / 2)
        let packed = try Gzip.compress(original)
        #expect(Gzip.isGzip(packed))
        #expect(try Gzip.decompress(packed) == original)
    }

    @Test("concatenated gzip members decompress to the concatenation")
    func multiMember() throws {
        let first = Array("first member\n".utf8)
        let second = Array("second member\n".utf8)
        let packed = try Gzip.compress(first) + Gzip.compress(second, level: 1)
        #expect(try Gzip.decompress(packed) == first + second)
        // Trailing zero padding is tolerated, other trailing bytes are not.
        #expect(try Gzip.decompress(packed + [0, 0, 0]) == first + second)
        let error = try #require(throws: FileError.self) { try Gzip.decompress(packed + [1, 2, 3]) }
        #expect(error.kind == .trailingData && error.offset == packed.count)
        #expect(error.description.contains("trailing"))
    }

    @Test("truncated and corrupt streams throw with an offset")
    func corrupt() throws {
        let packed = try Gzip.compress(pseudoRandomBytes(count: 5000))
        let truncated = try #require(throws: FileError.self) { try Gzip.decompress(Array(packed.prefix(100))) }
        #expect(truncated.kind == .truncated && truncated.description.contains("truncated"))
        #expect(truncated.offset == 100)

        var flipped = packed
        flipped[packed.count - 6] ^= 0xFF  // inside the CRC-32 trailer
        let badCRC = try #require(throws: FileError.self) { try Gzip.decompress(flipped) }
        #expect(badCRC.kind == .corruptStream && badCRC.description.contains("incorrect data check"))

        let headerOnly = try #require(throws: FileError.self) { try Gzip.decompress([0x1F, 0x8B, 0x08]) }
        #expect(headerOnly.description.hasPrefix("<memory>: at byte 3: truncated gzip stream"))
        let named = try #require(throws: FileError.self) { try Gzip.decompress([0x1F, 0x8B, 0x08], source: "a.gz") }
        #expect(named.description.hasPrefix("a.gz: at byte 3: "))

        let notCompressed = try #require(throws: FileError.self) { try Gzip.decompress(Array("plain text".utf8)) }
        #expect(notCompressed.kind == .corruptStream && notCompressed.description.contains("at byte"))
    }

    @Test("zlib streams round trip and gzip decompression also accepts them")
    func zlibRoundTrip() throws {
        let original = Array(String(repeating: "strata ", count: 500).utf8)
        let packed = try Zlib.compress(original)
        #expect(packed[0] == 0x78)
        #expect(packed.count < original.count / 10)
        #expect(try Zlib.decompress(packed) == original)
        #expect(try Gzip.decompress(packed) == original)
        let level = #expect(throws: FileError.self) { try Zlib.compress(original, level: 10) }
        #expect(level?.kind == .invalidCompressionLevel)
    }

    @Test("CRC-32 matches the standard check value")
    func crc32() {
        #expect(Zlib.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Zlib.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        #expect(Zlib.crc32(Array("6789".utf8), initial: Zlib.crc32(Array("12345".utf8))) == 0xCBF4_3926)
        #expect(Zlib.crc32(Array("123456789".utf8)[2...]) == Zlib.crc32(Array("3456789".utf8)))
    }

    @Test("decompression stops at its limit instead of inflating a bomb in full")
    func outputIsBounded() throws {
        let bomb = try Gzip.compress([UInt8](repeating: 0, count: 64 << 20), level: 9)   // 64 MiB of zeros
        #expect(bomb.count < 200_000)
        let bounded = #expect(throws: FileError.self) { try Gzip.decompress(bomb, limit: 1 << 20) }
        #expect(bounded?.kind == .tooLarge)
        #expect(try Gzip.decompress(bomb, prefix: 10) == [UInt8](repeating: 0, count: 10))
    }

    @Test("a gzip IDX file is inflated only as far as its header declares")
    func idxBombIsRejected() throws {
        // Header: 2 images of 2x2, then 64 MiB of data: trailing data, found after 8 + 1 bytes of data.
        let header: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2]
        let packed = try Gzip.compress(header + [UInt8](repeating: 7, count: 64 << 20), level: 9)
        let dir = try TemporaryDirectory()
        let path = dir.path + "/bomb-idx3-ubyte.gz"
        try Data(packed).write(to: URL(fileURLWithPath: path))
        let trailing = #expect(throws: FileError.self) { try IDX.read(path: path) }
        #expect(trailing?.kind == .trailingData && trailing?.path == path)
        // A header declaring 2^40 bytes is refused before inflating anything more.
        let huge = try Gzip.compress([0, 0, 8, 3, 0, 0x10, 0, 0, 0, 0x10, 0, 0, 0, 0x10, 0, 0] + [1, 2, 3])
        try Data(huge).write(to: URL(fileURLWithPath: path))
        do { _ = try IDX.read(path: path); Issue.record("a 2^40-byte header was accepted") } catch {
            #expect((error as? FileError)?.kind == .tooLarge && "\(error)".contains("more than"), "\(error)")
        }
    }
}
