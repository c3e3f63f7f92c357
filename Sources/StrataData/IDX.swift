import Foundation
import StrataIO

/// Reading and writing IDX files, the format of the MNIST data sets.
///
/// An IDX file is: two zero bytes, a type code (0x08 for unsigned bytes, the only type read
/// here), the number of dimensions `d`, then `d` big-endian `UInt32` sizes, then the data.
/// The first four bytes read as a big-endian integer give the magic number: 2049 for labels
/// (one dimension), 2051 for images (three). Files may be gzip-compressed.
///
/// ```swift
/// let labels = try IDX.read(path: "t10k-labels-idx1-ubyte.gz", expectedMagic: IDX.labelsMagic)
/// print(labels.count, labels.bytes.prefix(5))  // 10000 [7, 2, 1, 0, 4]
/// ```
public enum IDX {
    /// The type code of unsigned-byte data.
    public static let unsignedByteTypeCode: UInt8 = 0x08
    /// The magic number of an unsigned-byte file with one dimension (MNIST labels).
    public static let labelsMagic = 2049
    /// The magic number of an unsigned-byte file with three dimensions (MNIST images).
    public static let imagesMagic = 2051

    /// Reads an IDX file of unsigned bytes, gzip-compressed or not (detected by the `1f 8b` magic).
    ///
    /// Checks the magic, the type code, the number of dimensions, that the header is complete and
    /// that exactly the product of the dimensions follows it. Throws a `FileError` naming the
    /// file and the byte offset (in the decompressed data for a gzip file), of kind `.io`, one of
    /// `IDX+ErrorKinds.swift` or, for gzip input that does not inflate, one of `Zlib+ErrorKinds.swift`.
    ///
    /// ```swift
    /// let images = try IDX.read(path: "train-images-idx3-ubyte.gz")
    /// print(images.dimensions)  // [60000, 28, 28]
    /// ```
    public static func read(path: String) throws -> IDXArray {
        let fileBytes = try FileBytes.read(path: path)
        guard Gzip.isGzip(fileBytes) else {
            return try decode(fileBytes, source: path)
        }
        let bytes = try Gzip.decompress(fileBytes, prefix: try declaredSize(gzipped: fileBytes, source: path) + 1, source: path)
        return try decode(bytes, source: path, gzipped: true)
    }

    /// The largest IDX data Strata inflates: 4 GiB.
    public static let maxBytes = 1 << 32

    /// The size, header included, that a gzip-compressed IDX file's header declares, read by
    /// inflating only the header; the data is then inflated up to that size and one byte more
    /// (to detect trailing data), never further. A header too short to read declares its own
    /// length, so that `decode` reports it.
    static func declaredSize(gzipped fileBytes: [UInt8], source: String) throws -> Int {
        let magic = try Gzip.decompress(fileBytes, prefix: 4, source: source)
        guard magic.count == 4 else { return magic.count }
        let headerSize = 4 + 4 * Int(magic[3])
        let header = try Gzip.decompress(fileBytes, prefix: headerSize, source: source)
        guard header.count == headerSize, magic[3] > 0 else { return header.count }
        var total = 1
        for axis in 0..<Int(magic[3]) {
            let at = 4 + 4 * axis
            let size = Int(header[at]) << 24 | Int(header[at + 1]) << 16 | Int(header[at + 2]) << 8 | Int(header[at + 3])
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow, product <= maxBytes - headerSize else {
                throw FileError(kind: .tooLarge, path: source, offset: at,
                                message: "the header's dimensions declare more than \(maxBytes) bytes of data (dimension \(axis) is \(size)); expected at most \(maxBytes), the limit Strata inflates")
            }
            total = product
        }
        return headerSize + total
    }

    /// Reads an IDX file and checks its magic number, e.g. `IDX.imagesMagic` (2051) or
    /// `IDX.labelsMagic` (2049), which fixes the number of dimensions.
    ///
    /// ```swift
    /// let images = try IDX.read(path: "train-images-idx3-ubyte.gz", expectedMagic: IDX.imagesMagic)
    /// ```
    public static func read(path: String, expectedMagic: Int) throws -> IDXArray {
        let array = try read(path: path)
        try check(array, expectedMagic: expectedMagic, source: path)
        return array
    }

    /// Throws a `FileError` of kind `.unexpectedMagic` unless `array.magic == expectedMagic`.
    ///
    /// ```swift
    /// try IDX.check(labels, expectedMagic: IDX.labelsMagic, source: "labels.idx")
    /// ```
    public static func check(_ array: IDXArray, expectedMagic: Int, source: String) throws {
        guard array.magic == expectedMagic else {
            throw FileError(kind: .unexpectedMagic, path: source, offset: 0,
                            message: "magic number \(array.magic) (\(array.dimensions.count) dimensions); expected \(expectedMagic) (\(describeMagic(expectedMagic)))")
        }
    }

    /// Parses the bytes of an (uncompressed) IDX file; `source` names them in errors.
    ///
    /// ```swift
    /// let array = try IDX.decode([0, 0, 8, 1, 0, 0, 0, 2, 7, 2])
    /// print(array.dimensions, array.bytes)  // [2] [7, 2]
    /// ```
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws -> IDXArray {
        try decode(bytes, source: source, gzipped: false)
    }

    static func decode(_ bytes: [UInt8], source: String, gzipped: Bool) throws -> IDXArray {
        let place = gzipped ? " in the decompressed data" : ""
        guard bytes.count >= 4 else {
            throw FileError(kind: .truncatedHeader, path: source, offset: bytes.count,
                            message: "truncated header: expected at least 4 bytes of magic number, found \(bytes.count)")
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw FileError(kind: .badMagic, path: source, offset: 0,
                            message: "bad magic \(hex(bytes[0])) \(hex(bytes[1]))\(place); expected two zero bytes (not an IDX file?)")
        }
        guard bytes[2] == unsignedByteTypeCode else {
            throw FileError(kind: .unsupportedType, path: source, offset: 2,
                            message: "type code \(hex(bytes[2])) (\(typeName(bytes[2])))\(place); expected 0x08 (unsigned byte)")
        }
        let rank = Int(bytes[3])
        guard rank > 0 else {
            throw FileError(kind: .noDimensions, path: source, offset: 3,
                            message: "number of dimensions is 0\(place); expected at least 1")
        }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw FileError(kind: .truncatedHeader, path: source, offset: bytes.count,
                            message: "truncated header: expected \(headerSize) bytes for \(rank) dimension sizes, found \(bytes.count)")
        }
        var dimensions: [Int] = []
        var total = 1
        for axis in 0..<rank {
            let offset = 4 + 4 * axis
            let size = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw FileError(kind: .tooLarge, path: source, offset: offset,
                                message: "dimension \(axis) size \(size)\(place) makes the array too large to address")
            }
            dimensions.append(size)
            total = product
        }
        let found = bytes.count - headerSize
        guard found >= total else {
            throw FileError(kind: .truncated, path: source, offset: bytes.count,
                            message: "truncated: expected \(total) bytes of data after the \(headerSize)-byte header (dimensions \(dimensions)), found \(found)")
        }
        guard found == total else {
            throw FileError(kind: .trailingData, path: source, offset: headerSize + total,
                            message: "\(found - total) unexpected bytes after the data\(place); expected the file to end there (dimensions \(dimensions))")
        }
        return IDXArray(dimensions: dimensions, bytes: Array(bytes[headerSize...]))
    }

    /// The bytes of an IDX file holding `array` (uncompressed).
    ///
    /// ```swift
    /// let file = IDX.encode(IDXArray(dimensions: [2], bytes: [7, 2]))
    /// // [0, 0, 8, 1, 0, 0, 0, 2, 7, 2]
    /// ```
    public static func encode(_ array: IDXArray) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, unsignedByteTypeCode, UInt8(array.dimensions.count)]
        bytes.reserveCapacity(4 + 4 * array.dimensions.count + array.bytes.count)
        for size in array.dimensions {
            let value = UInt32(size)
            bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        }
        bytes += array.bytes
        return bytes
    }

    /// Writes `array` as an IDX file, gzip-compressed when `gzip` is true.
    ///
    /// ```swift
    /// try IDX.write(labels, to: "/tmp/labels-idx1-ubyte.gz", gzip: true)
    /// ```
    public static func write(_ array: IDXArray, to path: String, gzip: Bool = false) throws {
        var bytes = encode(array)
        if gzip {
            bytes = try Gzip.compress(bytes)
        }
        try AtomicFile.write(bytes, to: path)
    }

    static func hex(_ byte: UInt8) -> String {
        "0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
    }

    static func typeName(_ code: UInt8) -> String {
        switch code {
        case 0x08: return "unsigned byte"
        case 0x09: return "signed byte"
        case 0x0B: return "16-bit integer"
        case 0x0C: return "32-bit integer"
        case 0x0D: return "32-bit float"
        case 0x0E: return "64-bit float"
        default: return "unknown type"
        }
    }

    static func describeMagic(_ magic: Int) -> String {
        let code = UInt8(truncatingIfNeeded: magic >> 8)
        let rank = magic & 0xFF
        guard magic >> 16 == 0 else { return "not an IDX magic number" }
        return "\(typeName(code)) data with \(rank) dimension\(rank == 1 ? "" : "s")"
    }
}
