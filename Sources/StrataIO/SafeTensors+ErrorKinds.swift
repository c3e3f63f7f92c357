/// The problems the safetensors reader and writer (`SafeTensors`) report besides the shared
/// `.io`, `.invalidTensor` and `.overlappingTensors`.
extension FileError.Kind {
    /// The file is shorter than the 8-byte header length.
    public static let fileTooShort = Self("fileTooShort")
    /// The header length runs past the end of the file.
    public static let headerLengthOutOfRange = Self("headerLengthOutOfRange")
    /// The header is not valid UTF-8 JSON of the expected structure.
    public static let malformedHeader = Self("malformedHeader")
    /// A tensor names a dtype that is not known (or cannot become a Strata tensor).
    public static let unknownDType = Self("unknownDType")
    /// A tensor's shape is not a list of non-negative integers, or its size overflows.
    public static let invalidShape = Self("invalidShape")
    /// A tensor's data offsets are not `[begin, end]` with `begin <= end <= data size`.
    public static let offsetsOutOfRange = Self("offsetsOutOfRange")
    /// A tensor's byte range does not match its shape times its dtype size.
    public static let sizeMismatch = Self("sizeMismatch")
    /// `__metadata__` is not an object of string values.
    public static let invalidMetadata = Self("invalidMetadata")
}
