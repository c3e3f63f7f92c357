extension FileError {
    /// What kind of problem a ``FileError`` is, for code that acts on it (`error.kind == .badMagic`).
    ///
    /// A kind is a name. The kinds more than one format reports are declared here; each format
    /// declares its own beside its reader, as static members in an extension
    /// (`GGUF+ErrorKinds.swift`, `SafeTensors+ErrorKinds.swift`, `IDX+ErrorKinds.swift`, ...), so
    /// that a kind's documentation says what that reader checks.
    ///
    /// ```swift
    /// extension FileError.Kind {
    ///     /// The chunk table's count is larger than the file.
    ///     public static let badChunkCount = Self("badChunkCount")
    /// }
    /// do { _ = try IDX.read(path: "labels.idx") } catch let error as FileError where error.kind == .truncated {
    ///     print("download it again:", error)
    /// }
    /// ```
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        /// The kind's name, the same as the static member that declares it.
        public let name: String

        /// A kind named `name`; declare each once, as a static member, with the same name.
        public init(_ name: String) { self.name = name }

        public var description: String { name }
    }
}

// MARK: - The kinds several formats share

extension FileError.Kind {
    /// A problem no reader gave a kind to (most JSON, text and checkpoint errors).
    public static let other = Self("other")
    /// The file could not be opened, inspected, mapped, read, written or renamed.
    public static let io = Self("io")
    /// The file, or a field or stream in it, ends before the bytes its header or a count announces.
    public static let truncated = Self("truncated")
    /// The first bytes are not the format's magic number (GGUF: not `GGUF`; IDX: not two zero bytes).
    public static let badMagic = Self("badMagic")
    /// A tensor's dimension count, dimensions, dtype or size is invalid (GGUF, read), or a tensor
    /// handed to a safetensors write or conversion is inconsistent.
    public static let invalidTensor = Self("invalidTensor")
    /// Two tensors' byte ranges overlap (GGUF, safetensors).
    public static let overlappingTensors = Self("overlappingTensors")
    /// Bytes follow the data the header declares (IDX) or the end of the compressed stream (gzip).
    public static let trailingData = Self("trailingData")
    /// The data is larger than can be addressed or than the reader's limit (IDX dimensions whose
    /// product overflows, gzip data that inflates past its limit).
    public static let tooLarge = Self("tooLarge")
    /// A valid file using a feature this reader does not support (PNG interlacing, 16-bit PGM,
    /// a zlib stream that needs a preset dictionary).
    public static let unsupported = Self("unsupported")
}
