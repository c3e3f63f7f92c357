import CZlib

/// Zlib (RFC 1950) streams and the CRC-32 checksum, through the system zlib.
///
/// PNG image data is a zlib stream; PNG chunks carry CRC-32 checksums.
///
/// ```swift
/// let packed = try Zlib.compress(Array(repeating: 7, count: 1000))
/// print(packed.count < 50, try Zlib.decompress(packed).count)  // true 1000
/// ```
public enum Zlib {
    /// Decompresses a zlib stream; bytes after the end of the stream are ignored. Corrupt or
    /// truncated input throws a `FileError` naming `source` and the byte offset in `bytes`.
    ///
    /// ```swift
    /// let raw = try Zlib.decompress(idatBytes)
    /// ```
    public static func decompress(_ bytes: [UInt8], source: String = "<memory>") throws -> [UInt8] {
        try ZlibStream.inflate(bytes, windowBits: ZlibStream.zlibWindowBits, format: "zlib", source: source)
    }

    /// Decompresses a zlib stream expecting about `expectedSize` bytes and producing at most `limit`.
    static func decompress(_ bytes: [UInt8], expectedSize: Int, limit: Int) throws -> [UInt8] {
        try ZlibStream.inflate(bytes, windowBits: ZlibStream.zlibWindowBits, format: "zlib", source: "<memory>",
                               sizeHint: min(expectedSize, 1 << 26), limit: limit)
    }

    /// Compresses `bytes` into a zlib stream; `level` runs from 0 (store) to 9 (smallest).
    ///
    /// ```swift
    /// let idat = try Zlib.compress(filteredRows, level: 9)
    /// ```
    public static func compress(_ bytes: [UInt8], level: Int = 6) throws -> [UInt8] {
        try ZlibStream.deflate(bytes, windowBits: ZlibStream.zlibWindowBits, level: level, format: "zlib")
    }

    /// The CRC-32 (ISO 3309, as used by PNG and gzip) of `bytes`, continuing from `initial`.
    ///
    /// ```swift
    /// Zlib.crc32(Array("IEND".utf8))  // 0xAE426082
    /// ```
    public static func crc32<Bytes: Collection>(_ bytes: Bytes, initial: UInt32 = 0) -> UInt32 where Bytes.Element == UInt8 {
        let contiguous = bytes.withContiguousStorageIfAvailable { buffer in
            UInt32(CZlib.crc32(uLong(initial), buffer.baseAddress, uInt(buffer.count)))
        }
        if let contiguous { return contiguous }
        let copy = Array(bytes)
        return copy.withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(uLong(initial), buffer.baseAddress, uInt(buffer.count)))
        }
    }
}
