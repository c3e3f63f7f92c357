import StrataIO

/// Decodes non-interlaced PNG images (all standard color types and bit depths) to gray.
///
/// Steps: check the 8-byte signature; walk the chunks (length, type, data, CRC-32), checking each
/// length against the file and each CRC; read IHDR, PLTE, tRNS and the consecutive IDAT chunks;
/// inflate the concatenated IDAT data as one zlib stream; undo each row's filter; convert each
/// pixel to a gray level, compositing transparency over `background`.
struct PNGDecoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    let bytes: [UInt8]
    let source: String
    let background: UInt8

    var header: PNGHeader?
    /// RGB triplets from PLTE.
    var palette: [UInt8] = []
    /// The tRNS chunk's data, if any.
    var transparency: [UInt8]?
    var imageData: [UInt8] = []

    init(bytes: [UInt8], source: String, background: UInt8) {
        self.bytes = bytes
        self.source = source
        self.background = background
    }

    /// An error naming the file, the byte offset and, before the message, the format.
    func error(_ kind: FileError.Kind, at offset: Int?, _ message: String) -> FileError {
        FileError(kind: kind, path: source, offset: offset, message: "PNG: " + message)
    }

    mutating func decode() throws -> GrayImage {
        try readChunks()
        guard let header else {
            throw error(.malformed, at: 8, "no IHDR chunk; expected IHDR first")
        }
        let rows = try inflateAndUnfilter(header)
        return try PNGPixelConverter(header: header, palette: palette, transparency: transparency,
                                     background: background, decoder: self).gray(from: rows)
    }

    /// Walks the chunks from after the signature to IEND, collecting what decoding needs.
    mutating func readChunks() throws {
        var position = Self.signature.count
        var previousType = ""
        var idatFinished = false
        var sawIDAT = false
        while true {
            guard bytes.count - position >= 12 else {
                throw error(.truncated, at: position,
                            "truncated: expected a 12-byte chunk header and CRC (or IEND), found \(bytes.count - position) bytes")
            }
            let length = Int(readUInt32(at: position))
            let typeBytes = Array(bytes[(position + 4)..<(position + 8)])
            guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
                throw error(.malformed, at: position + 4,
                            "chunk type bytes \(typeBytes.map { String($0, radix: 16) }); expected four ASCII letters")
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length <= Int(Int32.max) else {
                throw error(.malformed, at: position, "chunk \"\(type)\" length \(length); expected at most 2^31-1")
            }
            let dataStart = position + 8
            guard bytes.count - dataStart - 4 >= length else {
                throw error(.truncated, at: position,
                            "truncated: chunk \"\(type)\" declares \(length) bytes of data plus a 4-byte CRC, but only \(bytes.count - dataStart) bytes remain")
            }
            let data = bytes[dataStart..<(dataStart + length)]
            let storedCRC = readUInt32(at: dataStart + length)
            let computedCRC = Zlib.crc32(bytes[(position + 4)..<(dataStart + length)])
            guard storedCRC == computedCRC else {
                throw error(.checksumMismatch, at: dataStart + length,
                            "chunk \"\(type)\" CRC is \(hex32(storedCRC)); expected \(hex32(computedCRC)) (file corrupt)")
            }
            if header == nil && type != "IHDR" {
                throw error(.malformed, at: position, "first chunk is \"\(type)\"; expected IHDR")
            }
            if sawIDAT && previousType == "IDAT" && type != "IDAT" {
                idatFinished = true
            }
            switch type {
            case "IHDR":
                guard header == nil else { throw error(.malformed, at: position, "second IHDR chunk; expected only one") }
                header = try PNGHeader(data: data, offset: dataStart, decoder: self)
            case "PLTE":
                guard length % 3 == 0, (3...768).contains(length) else {
                    throw error(.malformed, at: position, "PLTE length \(length); expected a multiple of 3 from 3 to 768")
                }
                palette = Array(data)
            case "tRNS":
                transparency = Array(data)
            case "IDAT":
                guard !idatFinished else {
                    throw error(.malformed, at: position, "IDAT chunk after other chunks that followed IDAT; expected IDAT chunks to be consecutive")
                }
                sawIDAT = true
                imageData.append(contentsOf: data)
            case "IEND":
                guard sawIDAT else { throw error(.malformed, at: position, "IEND before any IDAT chunk; expected image data") }
                return
            default:
                // Ancillary chunks (lowercase first letter) may be skipped; critical ones may not.
                guard typeBytes[0] >= 0x61 else {
                    throw error(.unsupported, at: position, "unknown critical chunk \"\(type)\"; expected IHDR, PLTE, IDAT or IEND")
                }
            }
            previousType = type
            position = dataStart + length + 4
        }
    }

    /// Inflates the IDAT stream and reverses the per-row filters; returns the unfiltered rows packed together.
    func inflateAndUnfilter(_ header: PNGHeader) throws -> [UInt8] {
        if header.colorType == 3 && palette.isEmpty {
            throw error(.malformed, at: nil, "palette image (color type 3) without a PLTE chunk; expected PLTE before IDAT")
        }
        let rowBytes = header.rowBytes
        let expected = header.height * (rowBytes + 1)
        let raw: [UInt8]
        do {
            raw = try Zlib.decompress(imageData, expectedSize: expected, limit: expected)
        } catch let failure as FileError {
            // The offset is in the IDAT chunks' data joined, not in the file: say so in the message.
            let place = failure.offset.map { " at byte \($0) of the joined IDAT data" } ?? ""
            throw error(.malformed, at: nil, "image data (IDAT) does not inflate\(place): \(failure.message)")
        }
        guard raw.count == expected else {
            throw error(.truncated, at: nil,
                        "truncated image data: expected \(expected) bytes after inflating (\(header.height) rows of 1 + \(rowBytes) bytes), found \(raw.count)")
        }
        var rows = [UInt8](repeating: 0, count: header.height * rowBytes)
        let step = max(1, header.bitsPerPixel / 8)
        try raw.withUnsafeBufferPointer { input in
            try rows.withUnsafeMutableBufferPointer { output in
                for y in 0..<header.height {
                    let filter = input[y * (rowBytes + 1)]
                    let source = input.baseAddress! + y * (rowBytes + 1) + 1
                    let row = output.baseAddress! + y * rowBytes
                    let above: UnsafeMutablePointer<UInt8>? = y > 0 ? row - rowBytes : nil
                    try Self.unfilter(filter, row: row, source: source, above: above, count: rowBytes, step: step) {
                        error(.malformed, at: nil, "row \(y) has filter type \(filter); expected 0 (None), 1 (Sub), 2 (Up), 3 (Average) or 4 (Paeth)")
                    }
                }
            }
        }
        return rows
    }

    /// Reverses one row's filter into `row`; `above` is the previous unfiltered row (nil for the first).
    static func unfilter(_ filter: UInt8, row: UnsafeMutablePointer<UInt8>, source: UnsafePointer<UInt8>,
                         above: UnsafeMutablePointer<UInt8>?, count: Int, step: Int,
                         invalid: () -> FileError) throws {
        switch filter {
        case 0:
            row.update(from: source, count: count)
        case 1:  // Sub: add the byte one pixel to the left.
            for i in 0..<count {
                row[i] = source[i] &+ (i >= step ? row[i - step] : 0)
            }
        case 2:  // Up: add the byte above.
            for i in 0..<count {
                row[i] = source[i] &+ (above?[i] ?? 0)
            }
        case 3:  // Average: add the floor of the mean of left and above.
            for i in 0..<count {
                let left = i >= step ? Int(row[i - step]) : 0
                let up = Int(above?[i] ?? 0)
                row[i] = source[i] &+ UInt8((left + up) / 2)
            }
        case 4:  // Paeth: add whichever of left, above, upper-left is closest to left + above - upper-left.
            for i in 0..<count {
                let left = i >= step ? Int(row[i - step]) : 0
                let up = Int(above?[i] ?? 0)
                let upLeft = i >= step ? Int(above?[i - step] ?? 0) : 0
                row[i] = source[i] &+ UInt8(paeth(left, up, upLeft))
            }
        default:
            throw invalid()
        }
    }

    /// The Paeth predictor of PNG filter type 4.
    static func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let p = a + b - c
        let pa = abs(p - a)
        let pb = abs(p - b)
        let pc = abs(p - c)
        if pa <= pb && pa <= pc { return a }
        if pb <= pc { return b }
        return c
    }

    func readUInt32(at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    func hex32(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
