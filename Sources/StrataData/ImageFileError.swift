/// An error reading (or writing) an image file; `description` names the file, the byte offset and what was expected.
///
/// ```swift
/// do {
///     _ = try GrayImage.read(path: "digit.png")
/// } catch let error as ImageFileError {
///     print(error)  // digit.png: PNG: at byte 33: chunk "IDAT" CRC 0x1234abcd; expected 0x...
/// }
/// ```
public struct ImageFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of problem was found.
    public enum Kind: Equatable, Sendable {
        /// The file could not be read.
        case io
        /// The bytes are neither PNG nor PGM/PPM.
        case unrecognizedFormat
        /// A valid file using a feature this decoder does not support (interlacing, 16-bit PGM...).
        case unsupported
        /// The file ends before the data its header announces.
        case truncated
        /// The header or data breaks the format's rules.
        case malformed
        /// A PNG chunk's CRC does not match its contents.
        case checksumMismatch
    }

    /// What kind of problem was found.
    public let kind: Kind
    /// The file path (or the source name given to `decode`).
    public let path: String
    /// "PNG", "PGM", "PPM" or "image".
    public let format: String
    /// The byte offset concerned, if any.
    public let offset: Int?
    /// What was wrong and what was expected.
    public let message: String

    /// Creates an error.
    ///
    /// ```swift
    /// let error = ImageFileError(kind: .truncated, path: "a.pgm", format: "PGM", offset: 15, message: "...")
    /// ```
    public init(kind: Kind, path: String, format: String, offset: Int?, message: String) {
        self.kind = kind
        self.path = path
        self.format = format
        self.offset = offset
        self.message = message
    }

    /// `path: FORMAT: at byte N: message`.
    ///
    /// ```swift
    /// ImageFileError(kind: .truncated, path: "a.pgm", format: "PGM", offset: 15, message: "truncated raster").description
    /// // a.pgm: PGM: at byte 15: truncated raster
    /// ```
    public var description: String {
        var text = "\(path): \(format)"
        if let offset {
            text += ": at byte \(offset)"
        }
        return text + ": " + message
    }
}
