import StrataIO

/// The problems the IDX reader (`IDX`) reports besides the shared `.io`, `.badMagic`,
/// `.truncated`, `.trailingData` and `.tooLarge`, and those of the gzip decoder
/// (`Zlib+ErrorKinds.swift`) for a compressed file.
extension FileError.Kind {
    /// The type code is not 0x08 (unsigned byte).
    public static let unsupportedType = Self("unsupportedType")
    /// The number of dimensions is zero.
    public static let noDimensions = Self("noDimensions")
    /// The magic number differs from the one the caller expected.
    public static let unexpectedMagic = Self("unexpectedMagic")
    /// The file ends inside the header.
    public static let truncatedHeader = Self("truncatedHeader")
}
