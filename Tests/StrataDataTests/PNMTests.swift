import Foundation
import Testing
import StrataData
import StrataIO

@Suite("PGM and PPM decoding")
struct PNMTests {
    func decode(_ header: String, _ raster: [UInt8] = []) throws -> GrayImage {
        try GrayImage.decode(Array(header.utf8) + raster, source: "test.pgm")
    }

    func decodeError(_ header: String, _ raster: [UInt8] = []) throws -> FileError {
        try #require(throws: FileError.self) { try decode(header, raster) }
    }

    @Test("binary P5 with comments in the header")
    func binaryPGM() throws {
        let image = try decode("P5\n# made by hand\n3 # width\n2\n# maxval next\n255\n", [0, 1, 2, 253, 254, 255])
        #expect(image.width == 3)
        #expect(image.height == 2)
        #expect(image.pixels == [0, 1, 2, 253, 254, 255])
        #expect(image[2, 1] == 255)
    }

    @Test("a raster byte that looks like whitespace or '#' is data, not header")
    func rasterStartsAfterOneWhitespace() throws {
        let image = try decode("P5 2 1 255\n", [0x0A, 0x23])
        #expect(image.pixels == [0x0A, 0x23])
    }

    @Test("ASCII P2 with a small maxval is scaled to 0...255")
    func asciiPGM() throws {
        let image = try decode("P2\n# 4 levels\n4 1\n3\n0 1\n 2 3")
        #expect(image.pixels == [0, 85, 170, 255])
    }

    @Test("16-bit binary PGM uses big-endian samples")
    func sixteenBit() throws {
        let image = try decode("P5 2 1 65535\n", [0x00, 0x00, 0xFF, 0xFF])
        #expect(image.pixels == [0, 255])
    }

    @Test("PPM color becomes luminance")
    func color() throws {
        let binary = try decode("P6 3 1 255\n", [255, 0, 0, 0, 255, 0, 0, 0, 255])
        #expect(binary.pixels == [76, 150, 29])
        let ascii = try decode("P3 1 1 255 255 255 255")
        #expect(ascii.pixels == [255])
    }

    @Test("a truncated binary raster names the expected and found sizes")
    func truncated() throws {
        let error = try decodeError("P5\n4 4\n255\n", [1, 2, 3])
        #expect(error.kind == .truncated)
        #expect(error.description.contains("test.pgm: at byte 14: PGM: "))
        #expect(error.description.contains("expected 16 bytes of data after the 11-byte header, found 3"))

        let ascii = try decodeError("P2 3 1 255 1 2")
        #expect(ascii.kind == .truncated)
        #expect(ascii.description.contains("expected 3 samples, found 2"))
    }

    @Test("header problems name the offset", arguments: [
        ("P5 x 2 255\n", "width", 3),
        ("P5 2 2 0\n", "maxval 0", 7),
        ("P2 2 1 255 0 256", "sample 256 exceeds maxval 255", 13),
        ("P5 2", "height", 4),
    ])
    func headerErrors(header: String, fragment: String, offset: Int) throws {
        let error = try decodeError(header)
        #expect(error.description.contains(fragment))
        #expect(error.offset == offset)
    }

    @Test("bitmap PBM is unsupported and unknown bytes are unrecognized")
    func unsupported() throws {
        let bitmap = try decodeError("P4 8 1\n", [0xFF])
        #expect(bitmap.kind == .unsupported)
        let unknown = try #require(throws: FileError.self) { try GrayImage.decode([0x47, 0x49, 0x46, 0x38], source: "x.gif") }
        #expect(unknown.kind == .unrecognizedFormat)
        #expect(unknown.description.contains("47 49 46 38"))
    }

    @Test("files are read from disk")
    func fromFile() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Array("P2 2 1 255 9 8\n".utf8), to: "tiny.pgm")
        #expect(try GrayImage.read(path: path).pixels == [9, 8])
        let missing = try #require(throws: FileError.self) { try GrayImage.read(path: directory.path + "/none.png") }
        #expect(missing.kind == .io)
        #expect(missing.description.contains("none.png"))
    }
}
