/// Turns unfiltered PNG rows into gray levels: unpacks samples of any bit depth, looks up the
/// palette, applies luminance weights and composites transparency over the background.
struct PNGPixelConverter {
    let header: PNGHeader
    let palette: [UInt8]
    let transparency: [UInt8]?
    let background: UInt8
    let decoder: PNGDecoder

    /// Luminance weights for R, G and B.
    static let weights: (red: Float, green: Float, blue: Float) = (0.299, 0.587, 0.114)

    func gray(from rows: [UInt8]) throws -> GrayImage {
        let width = header.width
        let height = header.height
        let channels = header.channels
        let depth = header.bitDepth
        let maximum = Float((1 << depth) - 1)
        let rowBytes = header.rowBytes
        let backgroundLevel = Float(background)

        // A tRNS chunk for gray or RGB names one sample value (or RGB triple) that is fully transparent.
        var transparentKey: [Int]?
        if let transparency, header.colorType == 0 || header.colorType == 2 {
            let needed = header.colorType == 0 ? 2 : 6
            guard transparency.count == needed else {
                throw decoder.error(.malformed, at: nil,
                                    "tRNS length \(transparency.count) for color type \(header.colorType); expected \(needed)")
            }
            transparentKey = stride(from: 0, to: needed, by: 2).map { Int(transparency[$0]) << 8 | Int(transparency[$0 + 1]) }
        }
        let paletteCount = palette.count / 3

        var pixels = [UInt8](repeating: 0, count: width * height)
        var samples = [Int](repeating: 0, count: channels)
        try rows.withUnsafeBufferPointer { rows in
            for y in 0..<height {
                let row = rows.baseAddress! + y * rowBytes
                for x in 0..<width {
                    for channel in 0..<channels {
                        samples[channel] = Self.sample(row, index: x * channels + channel, depth: depth)
                    }
                    var level: Float
                    var alpha: Float = 1
                    switch header.colorType {
                    case 0:
                        level = Float(samples[0]) / maximum * 255
                        if let transparentKey, samples[0] == transparentKey[0] { alpha = 0 }
                    case 2:
                        level = luminance(Float(samples[0]), Float(samples[1]), Float(samples[2])) / maximum * 255
                        if let transparentKey, samples == transparentKey { alpha = 0 }
                    case 3:
                        let index = samples[0]
                        guard index < paletteCount else {
                            throw decoder.error(.malformed, at: nil,
                                                "pixel (\(x), \(y)) uses palette index \(index); expected below the \(paletteCount) PLTE entries")
                        }
                        level = luminance(Float(palette[3 * index]), Float(palette[3 * index + 1]), Float(palette[3 * index + 2]))
                        if let transparency, index < transparency.count {
                            alpha = Float(transparency[index]) / 255
                        }
                    case 4:
                        level = Float(samples[0]) / maximum * 255
                        alpha = Float(samples[1]) / maximum
                    default:  // 6
                        level = luminance(Float(samples[0]), Float(samples[1]), Float(samples[2])) / maximum * 255
                        alpha = Float(samples[3]) / maximum
                    }
                    if alpha < 1 {
                        level = level * alpha + backgroundLevel * (1 - alpha)
                    }
                    pixels[y * width + x] = UInt8(min(255, max(0, level.rounded())))
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    func luminance(_ red: Float, _ green: Float, _ blue: Float) -> Float {
        Self.weights.red * red + Self.weights.green * green + Self.weights.blue * blue
    }

    /// Sample number `index` of a row packed at `depth` bits per sample (16-bit samples are big-endian).
    static func sample(_ row: UnsafePointer<UInt8>, index: Int, depth: Int) -> Int {
        switch depth {
        case 8:
            return Int(row[index])
        case 16:
            return Int(row[2 * index]) << 8 | Int(row[2 * index + 1])
        default:
            let perByte = 8 / depth
            let byte = Int(row[index / perByte])
            let shift = 8 - depth * (index % perByte + 1)
            return (byte >> shift) & ((1 << depth) - 1)
        }
    }
}
