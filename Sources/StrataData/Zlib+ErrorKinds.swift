import StrataIO

/// The problems the zlib and gzip codecs (`Zlib`, `Gzip`) report besides the shared
/// `.truncated`, `.trailingData` (bytes after the last gzip member), `.tooLarge` (the output
/// passes its limit) and `.unsupported` (a stream that needs a preset dictionary).
extension FileError.Kind {
    /// The compressed data breaks the deflate, zlib or gzip format, or fails its checksum.
    public static let corruptStream = Self("corruptStream")
    /// A compression level outside 0...9 was asked for.
    public static let invalidCompressionLevel = Self("invalidCompressionLevel")
    /// zlib itself failed (it could not initialise, or returned an unexpected status), whatever the input.
    public static let zlibFailure = Self("zlibFailure")
}
