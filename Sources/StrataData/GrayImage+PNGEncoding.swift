import Foundation
import StrataCore
import StrataIO

extension GrayImage {
    /// The image encoded as an 8-bit grayscale PNG (each row Paeth- or unfiltered, whichever is
    /// smaller by a simple sum-of-bytes estimate, then zlib-compressed).
    ///
    /// ```swift
    /// let png = try GrayImage(width: 2, height: 1, pixels: [0, 255]).encodedPNG()
    /// try Data(png).write(to: URL(fileURLWithPath: "/tmp/two-pixels.png"))
    /// ```
    public func encodedPNG() throws -> [UInt8] {
        ensure(width > 0 && height > 0, "GrayImage.encodedPNG: PNG needs a non-empty image, got \(width)x\(height)")
        var filtered: [UInt8] = []
        filtered.reserveCapacity(height * (width + 1))
        var paethRow = [UInt8](repeating: 0, count: width)
        for y in 0..<height {
            let row = pixels[(y * width)..<((y + 1) * width)]
            for x in 0..<width {
                let left = x > 0 ? Int(pixels[y * width + x - 1]) : 0
                let up = y > 0 ? Int(pixels[(y - 1) * width + x]) : 0
                let upLeft = x > 0 && y > 0 ? Int(pixels[(y - 1) * width + x - 1]) : 0
                paethRow[x] = pixels[y * width + x] &- UInt8(PNGDecoder.paeth(left, up, upLeft))
            }
            // The usual heuristic: prefer the row whose bytes, read as signed, sum smallest.
            func cost<Row: Sequence>(_ bytes: Row) -> Int where Row.Element == UInt8 {
                bytes.reduce(0) { $0 + abs(Int(Int8(bitPattern: $1))) }
            }
            if cost(paethRow) < cost(row) {
                filtered.append(4)
                filtered.append(contentsOf: paethRow)
            } else {
                filtered.append(0)
                filtered.append(contentsOf: row)
            }
        }

        var png = PNGDecoder.signature
        func appendChunk(_ type: String, _ data: [UInt8]) {
            let typeBytes = Array(type.utf8)
            png += Self.bigEndian(UInt32(data.count))
            png += typeBytes
            png += data
            png += Self.bigEndian(Zlib.crc32(data, initial: Zlib.crc32(typeBytes)))
        }
        appendChunk("IHDR", Self.bigEndian(UInt32(width)) + Self.bigEndian(UInt32(height)) + [8, 0, 0, 0, 0])
        appendChunk("IDAT", try Zlib.compress(filtered, level: 9))
        appendChunk("IEND", [])
        return png
    }

    /// Writes the image to `path` as an 8-bit grayscale PNG.
    ///
    /// ```swift
    /// try GrayImage(width: 28, height: 28, pixels: sample).writePNG(to: "/tmp/sample.png")
    /// ```
    public func writePNG(to path: String) throws {
        let png = try encodedPNG()
        try AtomicFile.write(png, to: path)
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
