import Foundation
import Testing
import StrataData
import StrataIO

@Suite("PNG decoding")
struct PNGTests {
    func decode(_ png: [UInt8], background: UInt8 = 255) throws -> GrayImage {
        try GrayImage.decode(png, source: "test.png", background: background)
    }

    func decodeError(_ png: [UInt8]) throws -> FileError {
        try #require(throws: FileError.self) { try decode(png) }
    }

    @Test("filters decode to hand-computed rows")
    func handComputedFilters() throws {
        // Filtered data written directly: row 0 Sub, row 1 Up, row 2 Average, row 3 Paeth.
        let filtered: [UInt8] = [
            1, 10, 5, 5,      // Sub: 10, 15, 20
            2, 1, 1, 250,     // Up: 11, 16, 14 (20 + 250 wraps)
            3, 3, 3, 3,       // Average: 3 + 11/2 = 8, 3 + (8 + 16)/2 = 15, 3 + (15 + 14)/2 = 17
            4, 40, 221, 1,    // Paeth: 40 + 8 (up) = 48; 221 + 48 (left, p = 55) = 13; 1 + 15 (upper-left, p = 13+17-15) = 16
        ]
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += PNGTestEncoder.chunk("IHDR", PNGTestEncoder.u32(3) + PNGTestEncoder.u32(4) + [8, 0, 0, 0, 0])
        png += PNGTestEncoder.chunk("IDAT", try Zlib.compress(filtered))
        png += PNGTestEncoder.chunk("IEND", [])
        let image = try decode(png)
        #expect(image.pixels == [10, 15, 20, 11, 16, 14, 8, 15, 17, 48, 13, 16])
    }

    @Test("every filter type round trips on 8-bit gray, with IDAT split into chunks", arguments: [0, 1, 2, 3, 4] as [UInt8])
    func filterRoundTrip(filter: UInt8) throws {
        let (width, height) = (13, 7)
        let samples = pseudoRandomBytes(count: width * height, seed: UInt64(filter) + 1).map(Int.init)
        var encoder = PNGTestEncoder(width: width, height: height)
        encoder.filters = [filter, 4, filter, 1]
        encoder.idatCount = 3
        encoder.chunksBeforeData = [("tEXt", Array("Comment\0test".utf8))]
        let image = try decode(try encoder.encode(rows: encoder.pack(samples: samples)))
        #expect(image.width == width && image.height == height)
        #expect(image.pixels == samples.map(UInt8.init))
    }

    @Test("RGB converts with luminance weights and all filters")
    func rgb() throws {
        var encoder = PNGTestEncoder(width: 4, height: 2, colorType: 2)
        encoder.filters = [3, 4]
        let samples = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255,
                       0, 0, 0, 10, 20, 30, 200, 100, 50, 128, 128, 128]
        let image = try decode(try encoder.encode(rows: encoder.pack(samples: samples)))
        // 0.299*10 + 0.587*20 + 0.114*30 = 18.15; 0.299*200 + 0.587*100 + 0.114*50 = 124.2
        #expect(image.pixels == [76, 150, 29, 255, 0, 18, 124, 128])
    }

    @Test("alpha is composited over the background")
    func alpha() throws {
        var rgba = PNGTestEncoder(width: 3, height: 1, colorType: 6)
        rgba.filters = [1]
        let rgbaPNG = try rgba.encode(rows: rgba.pack(samples: [0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 51]))
        #expect(try decode(rgbaPNG).pixels == [0, 255, 204])
        #expect(try decode(rgbaPNG, background: 0).pixels == [0, 0, 0])

        var grayAlpha = PNGTestEncoder(width: 2, height: 1, colorType: 4)
        let grayAlphaPNG = try grayAlpha.encode(rows: grayAlpha.pack(samples: [100, 255, 100, 0]))
        #expect(try decode(grayAlphaPNG, background: 10).pixels == [100, 10])
        grayAlpha.bitDepth = 16
        let sixteen = try grayAlpha.encode(rows: grayAlpha.pack(samples: [65535, 65535, 0, 32768]))
        #expect(try decode(sixteen, background: 255).pixels == [255, 127])
    }

    @Test("palette images look up PLTE and tRNS, at 8 and 2 bits per index")
    func palette() throws {
        let plte: [UInt8] = [0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255]
        var encoder = PNGTestEncoder(width: 5, height: 2, colorType: 3)
        encoder.chunksBeforeData = [("PLTE", plte), ("tRNS", [255, 255, 0])]
        encoder.filters = [2, 1]
        let samples = [0, 1, 2, 3, 1, 3, 2, 1, 0, 0]
        let expected: [UInt8] = [0, 255, 255, 29, 255, 29, 255, 255, 0, 0]  // index 2 transparent -> white, 3 blue -> 29
        #expect(try decode(try encoder.encode(rows: encoder.pack(samples: samples))).pixels == expected)
        encoder.bitDepth = 2
        #expect(try decode(try encoder.encode(rows: encoder.pack(samples: samples))).pixels == expected)

        encoder.chunksBeforeData = [("PLTE", Array(plte.prefix(6)))]
        let error = try decodeError(try encoder.encode(rows: encoder.pack(samples: samples)))
        #expect(error.description.contains("palette index 2"))
        #expect(error.description.contains("(2, 0)"))

        encoder.chunksBeforeData = []
        let noPalette = try decodeError(try encoder.encode(rows: encoder.pack(samples: samples)))
        #expect(noPalette.description.contains("PLTE"))
    }

    @Test("low and high bit depths of gray scale to 0...255", arguments: [1, 2, 4, 16] as [UInt8])
    func grayDepths(depth: UInt8) throws {
        let maximum = (1 << Int(depth)) - 1
        var encoder = PNGTestEncoder(width: 11, height: 3, bitDepth: depth)
        encoder.filters = [0, 1, 4]
        let samples = (0..<33).map { ($0 * 7) % (maximum + 1) }
        let image = try decode(try encoder.encode(rows: encoder.pack(samples: samples)))
        #expect(image.pixels == samples.map { UInt8((Double($0) * 255 / Double(maximum)).rounded()) })
    }

    @Test("a tRNS key color makes matching gray pixels transparent")
    func grayKey() throws {
        var encoder = PNGTestEncoder(width: 3, height: 1)
        encoder.chunksBeforeData = [("tRNS", [0, 7])]
        let image = try decode(try encoder.encode(rows: encoder.pack(samples: [7, 8, 0])), background: 200)
        #expect(image.pixels == [200, 8, 0])
    }

    @Test("interlaced images are rejected with a clear message")
    func interlaced() throws {
        var encoder = PNGTestEncoder(width: 2, height: 2)
        encoder.interlace = 1
        let error = try decodeError(try encoder.encode(rows: encoder.pack(samples: [1, 2, 3, 4])))
        #expect(error.kind == .unsupported)
        #expect(error.description.contains("interlaced"))
        #expect(error.offset == 8 + 8 + 12)
    }

    @Test("damaged files: signature, CRC, truncation, filter type, size, chunk order")
    func damage() throws {
        let encoder = PNGTestEncoder(width: 4, height: 4)
        let good = try encoder.encode(rows: encoder.pack(samples: Array(0..<16)))
        #expect(try decode(good).pixels == Array(0..<16))

        var badSignature = good
        badSignature[1] = 0x51
        #expect(try decodeError(badSignature).kind == .unrecognizedFormat)

        var badCRC = good
        badCRC[8 + 8 + 13] ^= 1  // first byte of the IHDR CRC
        let crc = try decodeError(badCRC)
        #expect(crc.kind == .checksumMismatch)
        #expect(crc.offset == 29)
        #expect(crc.description.contains("\"IHDR\" CRC"))

        let cut = try decodeError(Array(good.prefix(good.count - 20)))
        #expect(cut.kind == .truncated)
        #expect(cut.description.contains("IDAT"))
        let noEnd = try decodeError(Array(good.prefix(good.count - 12)))
        #expect(noEnd.kind == .truncated)
        #expect(noEnd.offset == good.count - 12)

        var badFilter = encoder
        badFilter.filters = [0, 7]
        let filter = try decodeError(try badFilter.encode(rows: encoder.pack(samples: Array(0..<16))))
        #expect(filter.description.contains("row 1 has filter type 7"))

        var tooTall = encoder
        tooTall.height = 5
        let short = try #require(throws: FileError.self) {
            var rows = encoder.pack(samples: Array(0..<16))
            rows.append([])  // a row too short: the inflated data falls short
            return try decode(try tooTall.encode(rows: rows))
        }
        #expect(short.kind == .truncated)
        #expect(short.description.contains("expected 25 bytes"))

        var critical = encoder
        critical.chunksBeforeData = [("ABCD", [])]
        #expect(try decodeError(try critical.encode(rows: encoder.pack(samples: Array(0..<16)))).kind == .unsupported)

        let noIHDR = Array(good.prefix(8)) + PNGTestEncoder.chunk("IEND", [])
        #expect(try decodeError(noIHDR).description.contains("expected IHDR"))

        var badDepth = encoder
        badDepth.colorType = 2
        badDepth.bitDepth = 4
        #expect(try decodeError(try badDepth.encode(rows: [[0], [0], [0], [0]])).description.contains("bit depth 4 with color type 2"))
    }

    @Test("the library's own PNG encoder round trips through a file")
    func encoderRoundTrip() throws {
        let directory = try TemporaryDirectory()
        let image = GrayImage(width: 9, height: 5, pixels: pseudoRandomBytes(count: 45, seed: 3))
        let path = directory.path + "/out.png"
        try image.writePNG(to: path)
        #expect(try GrayImage.read(path: path) == image)
        let gradient = GrayImage(width: 64, height: 64, pixels: (0..<4096).map { UInt8(($0 % 64 + $0 / 64) * 2) })
        #expect(try GrayImage.decode(try gradient.encodedPNG()) == gradient)
    }
}
