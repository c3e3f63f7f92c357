import StrataData

/// Builds PNG files for tests: any color type and bit depth, a chosen filter per row, optional
/// extra chunks, IDAT split into several chunks. Written from the PNG specification, separately
/// from the decoder, so the tests check the decoder against the specification.
struct PNGTestEncoder {
    var width: Int
    var height: Int
    var bitDepth: UInt8 = 8
    var colorType: UInt8 = 0
    var interlace: UInt8 = 0
    /// Filter type for each row (cycled).
    var filters: [UInt8] = [0]
    /// Chunks placed between IHDR and IDAT (PLTE, tRNS, ancillary chunks).
    var chunksBeforeData: [(type: String, data: [UInt8])] = []
    /// Number of IDAT chunks the compressed data is split into.
    var idatCount = 1

    var channels: Int {
        switch colorType {
        case 2: return 3
        case 4: return 2
        case 6: return 4
        default: return 1
        }
    }

    var bytesPerPixelForFilter: Int { max(1, channels * Int(bitDepth) / 8) }

    /// Encodes rows of already packed (unfiltered) bytes.
    func encode(rows: [[UInt8]]) throws -> [UInt8] {
        precondition(rows.count == height)
        var filtered: [UInt8] = []
        var previous = [UInt8](repeating: 0, count: rows.first?.count ?? 0)
        for (y, row) in rows.enumerated() {
            let filter = filters[y % filters.count]
            filtered.append(filter)
            filtered += Self.filter(row, previous: previous, type: filter, step: bytesPerPixelForFilter)
            previous = row
        }
        let compressed = try Zlib.compress(filtered)
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += Self.chunk("IHDR", Self.u32(width) + Self.u32(height) + [bitDepth, colorType, 0, 0, interlace])
        for (type, data) in chunksBeforeData {
            png += Self.chunk(type, data)
        }
        let pieceSize = max(1, (compressed.count + idatCount - 1) / idatCount)
        for start in stride(from: 0, to: compressed.count, by: pieceSize) {
            png += Self.chunk("IDAT", Array(compressed[start..<min(start + pieceSize, compressed.count)]))
        }
        png += Self.chunk("IEND", [])
        return png
    }

    /// Packs samples (each below 2^bitDepth) into rows of bytes, MSB first, 16-bit big-endian.
    func pack(samples: [Int]) -> [[UInt8]] {
        let perRow = width * channels
        precondition(samples.count == perRow * height)
        return (0..<height).map { y in
            let rowSamples = samples[(y * perRow)..<((y + 1) * perRow)]
            switch bitDepth {
            case 8: return rowSamples.map { UInt8($0) }
            case 16: return rowSamples.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
            default:
                let depth = Int(bitDepth)
                var row = [UInt8](repeating: 0, count: (perRow * depth + 7) / 8)
                for (i, sample) in rowSamples.enumerated() {
                    let bit = i * depth
                    row[bit / 8] |= UInt8(sample << (8 - depth - bit % 8))
                }
                return row
            }
        }
    }

    static func filter(_ row: [UInt8], previous: [UInt8], type: UInt8, step: Int) -> [UInt8] {
        row.indices.map { i in
            let a = i >= step ? Int(row[i - step]) : 0
            let b = Int(previous[i])
            let c = i >= step ? Int(previous[i - step]) : 0
            let predictor: Int
            switch type {
            case 0: predictor = 0
            case 1: predictor = a
            case 2: predictor = b
            case 3: predictor = (a + b) >> 1
            case 4:
                let p = a + b - c
                let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
            default: predictor = 0  // invalid filter types are written raw to test rejection
            }
            return UInt8(truncatingIfNeeded: Int(row[i]) - predictor)
        }
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return u32(data.count) + typeBytes + data + u32(Int(Zlib.crc32(typeBytes + data)))
    }

    static func u32(_ value: Int) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
