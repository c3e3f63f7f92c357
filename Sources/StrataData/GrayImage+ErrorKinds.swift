import StrataIO

/// The problems the image readers (`GrayImage.read`/`decode`: PNG, PGM, PPM) report besides
/// the shared `.io`, `.truncated` and `.unsupported`.
extension FileError.Kind {
    /// The bytes are neither PNG nor PGM/PPM.
    public static let unrecognizedFormat = Self("unrecognizedFormat")
    /// The header or data breaks the format's rules.
    public static let malformed = Self("malformed")
    /// A PNG chunk's CRC does not match its contents.
    public static let checksumMismatch = Self("checksumMismatch")
}
