/// The problems the GGUF reader (`GGUFFile`) reports besides the shared `.io`, `.truncated`,
/// `.badMagic`, `.invalidTensor` and `.overlappingTensors`.
extension FileError.Kind {
    /// The version is not 2 or 3 (version 1, a big-endian file, or garbage).
    public static let unsupportedVersion = Self("unsupportedVersion")
    /// A count or length is larger than the bytes left in the file could hold.
    public static let countOutOfRange = Self("countOutOfRange")
    /// A string (key, value or tensor name) is not valid UTF-8, or a key or name is empty or too long.
    public static let invalidString = Self("invalidString")
    /// A metadata value type id is not one of the 13 GGUF value types, or a bool byte is not 0 or 1.
    public static let invalidValue = Self("invalidValue")
    /// Arrays are nested deeper than `GGUFFile.maximumArrayDepth`.
    public static let nestingTooDeep = Self("nestingTooDeep")
    /// A metadata key appears twice.
    public static let duplicateKey = Self("duplicateKey")
    /// `general.alignment` is not a `uint32` power of two in the accepted range.
    public static let invalidAlignment = Self("invalidAlignment")
    /// Two tensors share a name.
    public static let duplicateTensor = Self("duplicateTensor")
    /// A tensor's offset is not aligned, or its bytes lie outside the file.
    public static let tensorOutOfRange = Self("tensorOutOfRange")
    /// A metadata key asked for by a typed getter is absent.
    public static let missingKey = Self("missingKey")
    /// A metadata value has another type than a typed getter asked for.
    public static let typeMismatch = Self("typeMismatch")
}
