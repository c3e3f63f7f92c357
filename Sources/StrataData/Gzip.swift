import StrataIO

/// Gzip (RFC 1952) compression through the system zlib.
///
/// ```swift
/// let packed = try Gzip.compress(Array("hello, hello, hello".utf8))
/// let unpacked = try Gzip.decompress(packed)
/// print(String(decoding: unpacked, as: UTF8.self))  // hello, hello, hello
/// ```
public enum Gzip {
    /// The two bytes every gzip stream starts with.
    public static let magic: [UInt8] = [0x1F, 0x8B]

    /// Whether `bytes` start with the gzip magic `1f 8b`.
    ///
    /// ```swift
    /// Gzip.isGzip([0x1f, 0x8b, 0x08])  // true
    /// ```
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Decompresses a gzip stream (or a zlib stream: the header is detected).
    ///
    /// Concatenated gzip members are decompressed one after another, as `gunzip` does. Corrupt
    /// or truncated input throws a `FileError` naming `source` (a file path; `<memory>` by
    /// default) and the compressed byte offset, of kind `.corruptStream`, `.truncated`,
    /// `.trailingData` or `.unsupported`.
    ///
    /// ```swift
    /// let labels = try Gzip.decompress(FileBytes.read(path: "labels.gz"), source: "labels.gz")
    /// ```
    /// Output is bounded while it streams: more than `limit` bytes (default ``defaultLimit``,
    /// 2 GiB) is a `FileError` of kind `.tooLarge`, so a small "zip bomb" never inflates in full.
    public static func decompress(_ bytes: [UInt8], limit: Int = defaultLimit, source: String = "<memory>") throws -> [UInt8] {
        let output = try ZlibStream.inflate(bytes, windowBits: ZlibStream.autoDetectWindowBits, format: "gzip", source: source,
                                            sizeHint: min(sizeHint(bytes), limit), limit: limit < Int.max ? limit + 1 : limit,
                                            concatenatedGzipMembers: isGzip(bytes))
        guard output.count <= limit else {
            throw FileError(kind: .tooLarge, path: source,
                            message: "the gzip data expands to more than \(limit) bytes, the limit for this input")
        }
        return output
    }

    /// The first `count` bytes of the decompressed stream (fewer when it is shorter); the rest
    /// is neither inflated nor checked. Readers use it to see a header before deciding how much
    /// to inflate.
    ///
    /// ```swift
    /// let header = try Gzip.decompress(fileBytes, prefix: 16, source: "images.gz")
    /// ```
    public static func decompress(_ bytes: [UInt8], prefix count: Int, source: String = "<memory>") throws -> [UInt8] {
        try ZlibStream.inflate(bytes, windowBits: ZlibStream.autoDetectWindowBits, format: "gzip", source: source,
                               sizeHint: min(count, 1 << 20), limit: max(count, 0), concatenatedGzipMembers: isGzip(bytes))
    }

    /// The most bytes ``decompress(_:limit:)`` produces unless told otherwise: 2 GiB.
    public static let defaultLimit = 1 << 31

    /// Compresses `bytes` into one gzip member; `level` runs from 0 (store) to 9 (smallest).
    ///
    /// ```swift
    /// let packed = try Gzip.compress(labels, level: 9)
    /// try Data(packed).write(to: URL(fileURLWithPath: "labels.gz"))
    /// ```
    public static func compress(_ bytes: [UInt8], level: Int = 6) throws -> [UInt8] {
        try ZlibStream.deflate(bytes, windowBits: ZlibStream.gzipWindowBits, level: level, format: "gzip")
    }

    /// The uncompressed size that a single-member gzip stream records in its last 4 bytes
    /// (modulo 2^32), capped so a lying trailer cannot force a huge allocation.
    static func sizeHint(_ bytes: [UInt8]) -> Int {
        guard isGzip(bytes), bytes.count >= 18 else { return 0 }
        let n = bytes.count
        let size = Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
        // Deflate cannot expand data more than about 1032:1, so a larger claim is a lie.
        return min(size, bytes.count * 1032, 1 << 28)
    }
}
