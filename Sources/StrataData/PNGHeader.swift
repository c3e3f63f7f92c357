/// The fields of a PNG IHDR chunk, validated.
struct PNGHeader {
    let width: Int
    let height: Int
    /// Bits per sample: 1, 2, 4, 8 or 16 (allowed values depend on the color type).
    let bitDepth: Int
    /// 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA.
    let colorType: Int

    /// Samples per pixel for the color type.
    var channels: Int {
        switch colorType {
        case 2: return 3
        case 4: return 2
        case 6: return 4
        default: return 1
        }
    }

    var bitsPerPixel: Int { channels * bitDepth }

    /// Bytes in one unfiltered row (without the filter-type byte).
    var rowBytes: Int { (width * bitsPerPixel + 7) / 8 }

    /// The largest image accepted, in pixels, so a lying header cannot exhaust memory.
    static let maximumPixels = 1 << 28

    /// Parses the 13 bytes of IHDR data found at absolute `offset`.
    init(data: ArraySlice<UInt8>, offset: Int, decoder: PNGDecoder) throws {
        guard data.count == 13 else {
            throw decoder.error(.malformed, at: offset - 8, "IHDR length \(data.count); expected 13")
        }
        let start = data.startIndex
        func field(_ index: Int) -> Int {
            Int(decoder.readUInt32(at: start + index))
        }
        width = field(0)
        height = field(4)
        bitDepth = Int(data[start + 8])
        colorType = Int(data[start + 9])
        let compression = data[start + 10]
        let filterMethod = data[start + 11]
        let interlace = data[start + 12]

        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw decoder.error(.malformed, at: offset, "image size \(width)x\(height); expected width and height from 1 to 2^31-1")
        }
        guard width * height <= Self.maximumPixels else {
            throw decoder.error(.unsupported, at: offset, "image size \(width)x\(height) is too large; expected at most 2^28 pixels")
        }
        let allowedDepths: [Int]
        switch colorType {
        case 0: allowedDepths = [1, 2, 4, 8, 16]
        case 3: allowedDepths = [1, 2, 4, 8]
        case 2, 4, 6: allowedDepths = [8, 16]
        default:
            throw decoder.error(.malformed, at: offset + 9, "color type \(colorType); expected 0, 2, 3, 4 or 6")
        }
        guard allowedDepths.contains(bitDepth) else {
            throw decoder.error(.malformed, at: offset + 8,
                                "bit depth \(bitDepth) with color type \(colorType); expected one of \(allowedDepths)")
        }
        guard compression == 0 else {
            throw decoder.error(.malformed, at: offset + 10, "compression method \(compression); expected 0 (deflate)")
        }
        guard filterMethod == 0 else {
            throw decoder.error(.malformed, at: offset + 11, "filter method \(filterMethod); expected 0")
        }
        guard interlace == 0 else {
            if interlace == 1 {
                throw decoder.error(.unsupported, at: offset + 12,
                                    "interlaced (Adam7) PNG is not supported; expected interlace method 0 (re-save the image without interlacing)")
            }
            throw decoder.error(.malformed, at: offset + 12, "interlace method \(interlace); expected 0 or 1")
        }
    }
}
