import StrataIO
extension GrayImage {
    /// Reads a PNG, binary or ASCII PGM (P5/P2) or PPM (P6/P3) file as a gray image.
    ///
    /// The format is detected from the first bytes, not the file name. Color is converted with
    /// the luminance weights 0.299 R + 0.587 G + 0.114 B; transparent pixels are composited over
    /// `background` (white by default). Throws a `FileError` naming the file, the byte offset
    /// and the format, of kind `.io` or one of those in `GrayImage+ErrorKinds.swift`.
    ///
    /// ```swift
    /// let digit = try GrayImage.read(path: "digit.png")
    /// print(digit.width, digit.height)
    /// ```
    public static func read(path: String, background: UInt8 = 255) throws -> GrayImage {
        try decode(FileBytes.read(path: path), source: path, background: background)
    }

    /// Decodes PNG or PGM/PPM bytes held in memory; `source` names them in errors.
    ///
    /// ```swift
    /// let image = try GrayImage.decode(Array("P2 2 1 255 0 255".utf8))
    /// print(image.pixels)  // [0, 255]
    /// ```
    public static func decode(_ bytes: [UInt8], source: String = "<memory>", background: UInt8 = 255) throws -> GrayImage {
        if bytes.starts(with: PNGDecoder.signature) {
            var decoder = PNGDecoder(bytes: bytes, source: source, background: background)
            return try decoder.decode()
        }
        if bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), (UInt8(ascii: "1")...UInt8(ascii: "7")).contains(bytes[1]) {
            var decoder = PNMDecoder(bytes: bytes, source: source)
            return try decoder.decode()
        }
        let start = bytes.prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
        throw FileError(kind: .unrecognizedFormat, path: source, offset: 0,
                        message: "unrecognized image format (first bytes: \(start)); expected a PNG signature (89 50 4e 47 0d 0a 1a 0a) or a PGM/PPM header (P2, P3, P5, P6)")
    }
}
