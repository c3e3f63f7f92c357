import Foundation

/// An error reading a GGUF file: its `description` names the file, the byte offset, the field
/// (a metadata key, a tensor name or a header field) and what was expected against what was found.
///
/// ```swift
/// do {
///     _ = try GGUFFile(path: "model.gguf")
/// } catch let error as GGUFError {
///     print(error)
///     // model.gguf: offset 1062: tokenizer.ggml.tokens[3]: string length 18446744073709551615
///     //   exceeds the 1200 bytes left in the file
/// }
/// ```
public struct GGUFError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    /// What kind of problem was found.
    public enum Kind: Equatable, Sendable {
        /// The file could not be opened, inspected or mapped.
        case io
        /// The first four bytes are not `GGUF`.
        case badMagic
        /// The version is not 2 or 3 (version 1, a big-endian file, or garbage).
        case unsupportedVersion
        /// A field runs past the end of the file.
        case truncated
        /// A count or length is larger than the bytes left in the file could hold.
        case countOutOfRange
        /// A string (key, value or tensor name) is not valid UTF-8, or a key or name is empty or too long.
        case invalidString
        /// A metadata value type id is not one of the 13 GGUF value types, or a bool byte is not 0 or 1.
        case invalidValue
        /// Arrays are nested deeper than `GGUFFile.maximumArrayDepth`.
        case nestingTooDeep
        /// A metadata key appears twice.
        case duplicateKey
        /// `general.alignment` is not a `uint32` power of two in the accepted range.
        case invalidAlignment
        /// A tensor's dimension count, dimensions, type or size is invalid.
        case invalidTensor
        /// Two tensors share a name.
        case duplicateTensor
        /// A tensor's offset is not aligned, or its bytes lie outside the file.
        case tensorOutOfRange
        /// Two tensors' byte ranges overlap.
        case overlappingTensors
        /// A metadata key asked for by a typed getter is absent.
        case missingKey
        /// A metadata value has another type than a typed getter asked for.
        case typeMismatch
    }

    /// What kind of problem was found.
    public let kind: Kind
    /// The file path, or the source name given to `GGUFFile(bytes:source:)`.
    public let path: String
    /// The absolute byte offset in the file where the offending field starts, if known.
    public let offset: Int?
    /// The metadata key (with `[index]` inside arrays), tensor name or header field concerned.
    public let field: String?
    /// What was found and what was expected.
    public let message: String

    /// Creates an error; `description` is assembled from the parts.
    ///
    /// ```swift
    /// let error = GGUFError(kind: .io, path: "m.gguf", message: "cannot open file: No such file or directory")
    /// ```
    public init(kind: Kind, path: String, offset: Int? = nil, field: String? = nil, message: String) {
        self.kind = kind
        self.path = path
        self.offset = offset
        self.field = field
        self.message = message
    }

    /// `path: offset N: field: message`, leaving out the parts that do not apply.
    public var description: String {
        var text = path
        if let offset {
            text += ": offset \(offset)"
        }
        if let field {
            text += ": \(field)"
        }
        return text + ": " + message
    }

    /// The same text as `description`, for `localizedDescription`.
    public var errorDescription: String? { description }
}
