/// An error reading an IDX file; `description` names the file, the byte offset and what was expected.
///
/// ```swift
/// do {
///     _ = try IDX.read(path: "train-images-idx3-ubyte.gz")
/// } catch let error as IDXError {
///     print(error)
///     // train-images-idx3-ubyte.gz: truncated: expected 47040000 bytes of data after the 16-byte header, found 1000
/// }
/// ```
public struct IDXError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of problem was found.
    public enum Kind: Equatable, Sendable {
        /// The file could not be read.
        case io
        /// The file starts with the gzip magic but does not decompress.
        case corruptGzip
        /// The first two bytes are not zero.
        case badMagic
        /// The type code is not 0x08 (unsigned byte).
        case unsupportedType
        /// The number of dimensions is zero.
        case noDimensions
        /// The magic number differs from the one the caller expected.
        case unexpectedMagic
        /// The file ends inside the header.
        case truncatedHeader
        /// The file ends before all the data the dimensions call for.
        case truncated
        /// Bytes follow the data the dimensions call for.
        case trailingData
        /// The product of the dimensions overflows.
        case tooLarge
    }

    /// What kind of problem was found.
    public let kind: Kind
    /// The file path (or the source name given to `decode`).
    public let path: String
    /// The byte offset concerned (in the decompressed bytes for a gzip file), if any.
    public let offset: Int?
    /// What was wrong and what was expected, including the offset where there is one.
    public let message: String

    /// Creates an error.
    ///
    /// ```swift
    /// let error = IDXError(kind: .badMagic, path: "x.idx", offset: 0, message: "bad magic")
    /// ```
    public init(kind: Kind, path: String, offset: Int?, message: String) {
        self.kind = kind
        self.path = path
        self.offset = offset
        self.message = message
    }

    /// `path: message`.
    ///
    /// ```swift
    /// IDXError(kind: .badMagic, path: "x.idx", offset: 0, message: "bad magic").description  // x.idx: bad magic
    /// ```
    public var description: String {
        "\(path): \(message)"
    }
}
