/// An error reading or writing a safetensors file; its `description` names the file, the
/// tensor key or byte offset where one applies, and what was expected.
///
/// ```swift
/// do {
///     _ = try SafeTensors.read(path: "broken.safetensors")
/// } catch let error as SafeTensorsError {
///     print(error)  // broken.safetensors: tensor 'fc.weight': unknown dtype "F31"; expected one of ...
/// }
/// ```
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of problem was found.
    public enum Kind: Equatable, Sendable {
        /// The file could not be opened, read, written or renamed.
        case io
        /// The file is shorter than the 8-byte header length.
        case fileTooShort
        /// The header length runs past the end of the file.
        case headerLengthOutOfRange
        /// The header is not valid UTF-8 JSON of the expected structure.
        case malformedHeader
        /// A tensor names a dtype that is not known.
        case unknownDType
        /// A tensor's shape is not a list of non-negative integers, or its size overflows.
        case invalidShape
        /// A tensor's data offsets are not `[begin, end]` with `begin <= end <= data size`.
        case offsetsOutOfRange
        /// Two tensors' byte ranges overlap.
        case overlappingTensors
        /// A tensor's byte range does not match its shape times its dtype size.
        case sizeMismatch
        /// `__metadata__` is not an object of string values.
        case invalidMetadata
        /// A tensor handed to `write` or a conversion is inconsistent.
        case invalidTensor
    }

    /// What kind of problem was found.
    public let kind: Kind
    /// The file path (or the source name given to `decode`).
    public let path: String
    /// The tensor key concerned (for `.invalidMetadata`, the metadata key), if any.
    public let key: String?
    /// The absolute byte offset in the file concerned, if any.
    public let offset: Int?
    /// What was wrong and what was expected.
    public let message: String

    /// Creates an error; `description` is assembled from the parts.
    ///
    /// ```swift
    /// let error = SafeTensorsError(kind: .io, path: "a.safetensors", message: "cannot open file")
    /// ```
    public init(kind: Kind, path: String, key: String? = nil, offset: Int? = nil, message: String) {
        self.kind = kind
        self.path = path
        self.key = key
        self.offset = offset
        self.message = message
    }

    /// `path: tensor 'key': at byte N: message`, leaving out the parts that do not apply.
    ///
    /// ```swift
    /// SafeTensorsError(kind: .sizeMismatch, path: "m.safetensors", key: "w", message: "...").description
    /// // m.safetensors: tensor 'w': ...
    /// ```
    public var description: String {
        var text = path
        if let key {
            text += kind == .invalidMetadata ? ": metadata key '\(key)'" : ": tensor '\(key)'"
        }
        if let offset {
            text += ": at byte \(offset)"
        }
        return text + ": " + message
    }
}
