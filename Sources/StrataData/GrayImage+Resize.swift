import StrataCore
extension GrayImage {
    /// The image resampled to `width` x `height`.
    ///
    /// Each axis is resampled on its own: shrinking averages the source pixels each output pixel
    /// covers (area averaging, so thin strokes are kept rather than skipped), enlarging
    /// interpolates linearly between the nearest source pixel centers (bilinear).
    ///
    /// ```swift
    /// let input = try GrayImage.read(path: "photo-of-digit.png").resized(width: 28, height: 28)
    /// ```
    public func resized(width newWidth: Int, height newHeight: Int) -> GrayImage {
        ensure(newWidth > 0 && newHeight > 0, "GrayImage.resized: target size \(newWidth)x\(newHeight) must be positive")
        ensure(width > 0 && height > 0, "GrayImage.resized: cannot resize an empty \(width)x\(height) image")
        if newWidth == width && newHeight == height { return self }

        // Horizontal pass: height rows of width -> newWidth.
        let columnTaps = Self.resamplingTaps(from: width, to: newWidth)
        var horizontal = [Float](repeating: 0, count: height * newWidth)
        for y in 0..<height {
            for (x, taps) in columnTaps.enumerated() {
                var sum: Float = 0
                for (index, weight) in taps {
                    sum += weight * Float(pixels[y * width + index])
                }
                horizontal[y * newWidth + x] = sum
            }
        }
        // Vertical pass: newWidth columns of height -> newHeight.
        let rowTaps = Self.resamplingTaps(from: height, to: newHeight)
        var result = [UInt8](repeating: 0, count: newWidth * newHeight)
        for (y, taps) in rowTaps.enumerated() {
            for x in 0..<newWidth {
                var sum: Float = 0
                for (index, weight) in taps {
                    sum += weight * horizontal[index * newWidth + x]
                }
                result[y * newWidth + x] = UInt8(min(255, max(0, sum.rounded())))
            }
        }
        return GrayImage(width: newWidth, height: newHeight, pixels: result)
    }

    /// For each output position along an axis of `source` pixels resampled to `target`, the source
    /// indices and weights (summing to 1) that make it.
    static func resamplingTaps(from source: Int, to target: Int) -> [[(index: Int, weight: Float)]] {
        let scale = Double(source) / Double(target)
        if target <= source {
            // Area: output pixel j covers source interval [j * scale, (j + 1) * scale).
            return (0..<target).map { j in
                let start = Double(j) * scale
                let end = Double(j + 1) * scale
                var taps: [(index: Int, weight: Float)] = []
                var index = Int(start.rounded(.down))
                while Double(index) < end && index < source {
                    let overlap = min(end, Double(index + 1)) - max(start, Double(index))
                    if overlap > 1e-9 {
                        taps.append((index, Float(overlap / scale)))
                    }
                    index += 1
                }
                return taps
            }
        }
        // Bilinear: align pixel centers, clamp at the edges.
        return (0..<target).map { j in
            let position = min(max((Double(j) + 0.5) * scale - 0.5, 0), Double(source - 1))
            let lower = Int(position.rounded(.down))
            let fraction = Float(position - Double(lower))
            if lower + 1 >= source || fraction == 0 {
                return [(lower, 1)]
            }
            return [(lower, 1 - fraction), (lower + 1, fraction)]
        }
    }
}
