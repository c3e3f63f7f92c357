import StrataCore
/// An 8-bit grayscale image, row-major, 0 black to 255 white.
///
/// ```swift
/// let image = try GrayImage.read(path: "digit.png").resized(width: 28, height: 28)
/// let input = image.pixels.map { Float($0) / 255 }  // 784 values for an MNIST model
/// ```
public struct GrayImage: Equatable, Sendable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width * height` gray levels, row by row from the top-left corner.
    public let pixels: [UInt8]

    /// Creates an image; `pixels.count` must equal `width * height`.
    ///
    /// ```swift
    /// let checker = GrayImage(width: 2, height: 2, pixels: [0, 255, 255, 0])
    /// ```
    public init(width: Int, height: Int, pixels: [UInt8]) {
        ensure(width >= 0 && height >= 0 && width * height == pixels.count,
                     "GrayImage: \(width)x\(height) needs \(width * height) pixels, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The gray level at column `x`, row `y`.
    ///
    /// ```swift
    /// let corner = image[0, 0]
    /// ```
    public subscript(x: Int, y: Int) -> UInt8 {
        ensure(x >= 0 && x < width && y >= 0 && y < height,
                     "GrayImage: pixel (\(x), \(y)) outside \(width)x\(height)")
        return pixels[y * width + x]
    }

    /// The image with every level `v` replaced by `255 - v` (dark ink on white becomes
    /// white on black, as in MNIST).
    ///
    /// ```swift
    /// let mnistLike = try GrayImage.read(path: "scan.pgm").inverted()
    /// ```
    public func inverted() -> GrayImage {
        GrayImage(width: width, height: height, pixels: pixels.map { 255 - $0 })
    }
}
