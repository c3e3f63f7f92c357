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
    /// Concatenated gzip members are decompressed one after another, as `gunzip` does. Throws
    /// `CompressionError` with the compressed byte offset for corrupt or truncated input.
    ///
    /// ```swift
    /// let labels = try Gzip.decompress(Array(try Data(contentsOf: url)))
    /// ```
    public static func decompress(_ bytes: [UInt8]) throws -> [UInt8] {
        try ZlibStream.inflate(bytes, windowBits: ZlibStream.autoDetectWindowBits, format: "gzip",
                               sizeHint: sizeHint(bytes), concatenatedGzipMembers: isGzip(bytes))
    }

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
