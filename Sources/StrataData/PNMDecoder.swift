import StrataIO

/// Decodes the Netpbm gray and color formats: PGM (P2 ASCII, P5 binary) and PPM (P3, P6).
///
/// Header: magic, width, height, maxval as decimal numbers separated by whitespace, with `#`
/// comments running to the end of a line; binary formats then have exactly one whitespace byte
/// before the raster. Samples above 255 (maxval up to 65535) use two big-endian bytes in binary
/// files. Samples are scaled from `0...maxval` to `0...255`; PPM color becomes luminance.
struct PNMDecoder {
    let bytes: [UInt8]
    let source: String
    var position = 0
    var format = "PGM"

    init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    /// An error naming the file, the byte offset and, before the message, the format.
    func error(_ kind: FileError.Kind, at offset: Int?, _ message: String) -> FileError {
        FileError(kind: kind, path: source, offset: offset, message: "\(format): " + message)
    }

    mutating func decode() throws -> GrayImage {
        let variant = bytes[1]
        let isColor = variant == UInt8(ascii: "3") || variant == UInt8(ascii: "6")
        format = isColor ? "PPM" : "PGM"
        switch variant {
        case UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "5"), UInt8(ascii: "6"):
            break
        default:
            format = "PNM"
            throw error(.unsupported, at: 0,
                        "magic P\(Character(UnicodeScalar(variant))) (bitmap or PAM) is not supported; expected P2 or P5 (PGM) or P3 or P6 (PPM)")
        }
        position = 2
        let width = try readNumber("width")
        let height = try readNumber("height")
        skipSeparators()
        let maxvalOffset = position
        let maxval = try readNumber("maxval")
        guard width > 0, height > 0 else {
            throw error(.malformed, at: 2, "image size \(width)x\(height); expected width and height of at least 1")
        }
        guard (1...65535).contains(maxval) else {
            throw error(.malformed, at: maxvalOffset, "maxval \(maxval); expected 1...65535")
        }
        let (pixelCount, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixelCount <= 1 << 30 else {
            throw error(.unsupported, at: 2, "image size \(width)x\(height) is too large; expected at most 2^30 pixels")
        }
        let channels = isColor ? 3 : 1
        let binary = variant == UInt8(ascii: "5") || variant == UInt8(ascii: "6")
        let sampleCount = pixelCount * channels
        if binary {
            try startBinaryRaster(count: sampleCount, maxval: maxval)
        } else {
            try checkASCIIRasterLength(count: sampleCount)
        }
        var pixels = [UInt8](repeating: 0, count: pixelCount)
        let scale = 255 / Double(maxval)
        var sampleIndex = 0
        func next() throws -> Double {
            defer { sampleIndex += 1 }
            return Double(binary ? try binarySample(sampleIndex, maxval: maxval)
                                 : try asciiSample(sampleIndex, of: sampleCount, maxval: maxval))
        }
        for index in 0..<pixelCount {
            let level = isColor ? 0.299 * (try next()) + 0.587 * (try next()) + 0.114 * (try next()) : try next()
            pixels[index] = UInt8(min(255, (level * scale).rounded()))
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// Skips whitespace and `#` comments.
    mutating func skipSeparators() {
        while position < bytes.count {
            let byte = bytes[position]
            if Self.isWhitespace(byte) {
                position += 1
            } else if byte == UInt8(ascii: "#") {
                while position < bytes.count, bytes[position] != 0x0A, bytes[position] != 0x0D {
                    position += 1
                }
            } else {
                return
            }
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0B || byte == 0x0C || byte == 0x0D
    }

    /// Reads one decimal header number after separators.
    mutating func readNumber(_ name: String) throws -> Int {
        skipSeparators()
        let start = position
        guard position < bytes.count else {
            throw error(.truncated, at: position, "header ends before the \(name); expected a decimal number")
        }
        var value = 0
        while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
            value = value * 10 + Int(bytes[position] - 0x30)
            position += 1
            guard position - start <= 9 else {
                throw error(.malformed, at: start, "\(name) has more than 9 digits; expected a number below 10^9")
            }
        }
        guard position > start else {
            throw error(.malformed, at: position, "expected the \(name) as a decimal number, found \(describeByte(at: position))")
        }
        guard position == bytes.count || Self.isWhitespace(bytes[position]) || bytes[position] == UInt8(ascii: "#") else {
            throw error(.malformed, at: position, "expected whitespace after the \(name), found \(describeByte(at: position))")
        }
        return value
    }

    func describeByte(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of file" }
        let byte = bytes[offset]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(UnicodeScalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16)
    }

    /// Steps over the single whitespace byte before a binary raster and checks its length.
    mutating func startBinaryRaster(count: Int, maxval: Int) throws {
        guard position < bytes.count else {
            throw error(.truncated, at: position, "file ends after the header; expected one whitespace byte and then the raster")
        }
        position += 1
        let needed = count * (maxval > 255 ? 2 : 1)
        let found = bytes.count - position
        guard found >= needed else {
            throw error(.truncated, at: bytes.count,
                        "truncated raster: expected \(needed) bytes of data after the \(position)-byte header, found \(found)")
        }
    }

    /// Binary sample `index` of the raster (one byte, or two big-endian bytes when maxval > 255).
    func binarySample(_ index: Int, maxval: Int) throws -> Int {
        let value: Int
        let offset: Int
        if maxval > 255 {
            offset = position + 2 * index
            value = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
        } else {
            offset = position + index
            value = Int(bytes[offset])
        }
        guard value <= maxval else {
            throw error(.malformed, at: offset, "sample \(value) exceeds maxval \(maxval)")
        }
        return value
    }

    /// Throws early when the bytes left cannot hold `count` ASCII samples (each needs a digit and
    /// a separator), so a lying header cannot force a huge allocation.
    func checkASCIIRasterLength(count: Int) throws {
        let remaining = bytes.count - position
        guard remaining / 2 + 1 >= count else {
            throw error(.truncated, at: bytes.count,
                        "truncated raster: \(remaining) bytes after the header cannot hold \(count) samples")
        }
    }

    /// Reads the next ASCII sample, sample `index` of `count`.
    mutating func asciiSample(_ index: Int, of count: Int, maxval: Int) throws -> Int {
        skipSeparators()
        guard position < bytes.count else {
            throw error(.truncated, at: position, "truncated raster: expected \(count) samples, found \(index)")
        }
        let start = position
        let value = try readNumber("sample \(index)")
        guard value <= maxval else {
            throw error(.malformed, at: start, "sample \(value) exceeds maxval \(maxval)")
        }
        return value
    }
}
