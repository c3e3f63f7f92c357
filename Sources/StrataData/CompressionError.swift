/// A failure compressing or decompressing a zlib, gzip or raw deflate stream.
///
/// `offset` is the byte offset in the compressed input where zlib stopped, when known.
///
/// ```swift
/// do {
///     _ = try Gzip.decompress([0x1f, 0x8b, 0x08])
/// } catch let error as CompressionError {
///     print(error)  // gzip: at compressed byte 3: truncated: the compressed stream ends at byte 3 ...
/// }
/// ```
public struct CompressionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// "gzip", "zlib" or "gzip or zlib": which stream format was being read or written.
    public let format: String
    /// The byte offset in the compressed input, when the failure has one.
    public let offset: Int?
    /// What went wrong and what was expected.
    public let message: String

    /// Creates an error.
    ///
    /// ```swift
    /// let error = CompressionError(format: "gzip", offset: 10, message: "invalid block type")
    /// ```
    public init(format: String, offset: Int?, message: String) {
        self.format = format
        self.offset = offset
        self.message = message
    }

    /// `format: at compressed byte N: message`.
    ///
    /// ```swift
    /// CompressionError(format: "gzip", offset: 10, message: "corrupt data").description
    /// // gzip: at compressed byte 10: corrupt data
    /// ```
    public var description: String {
        if let offset {
            return "\(format): at compressed byte \(offset): \(message)"
        }
        return "\(format): \(message)"
    }
}
