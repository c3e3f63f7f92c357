import Foundation

/// Reads whole files, checking first that the path names a regular file of a sane size, so that
/// a directory, a device such as `/dev/zero` or a missing file is one clear error instead of a
/// Foundation error code or an endless read.
///
/// ```swift
/// let bytes = try FileBytes.read(path: "train-images-idx3-ubyte.gz")
/// let mapped = try FileBytes.map(path: "model.safetensors")       // no copy
/// ```
public enum FileBytes {
    /// Why a file could not be read: the path and a message saying what was found.
    public typealias ReadError = FileError

    /// The largest file ``read(path:maxBytes:)`` accepts unless told otherwise: 16 GiB.
    public static let defaultLimit = 1 << 34

    /// Throws unless `path` is an existing regular file (links followed) of at most `maxBytes`
    /// bytes; returns its size.
    @discardableResult
    public static func checkRegularFile(path: String, maxBytes: Int = defaultLimit) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            throw ReadError(kind: .io, path: path, message: "cannot read file: \(reason)")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw ReadError(kind: .io, path: path, message: "is a directory; expected a file")
        default: throw ReadError(kind: .io, path: path, message: "is not a regular file (a device, pipe or socket); expected a file")
        }
        guard access(path, R_OK) == 0 else { throw ReadError(kind: .io, path: path, message: "cannot read file: permission denied") }
        let size = Int(info.st_size)
        guard size <= maxBytes else {
            throw ReadError(kind: .tooLarge, path: path, message: "the file has \(size) bytes, more than the limit of \(maxBytes)")
        }
        return size
    }

    /// The contents of the file at `path` (memory-mapped, then copied once).
    public static func read(path: String, maxBytes: Int = defaultLimit) throws -> [UInt8] {
        let data = try map(path: path, maxBytes: maxBytes)
        return [UInt8](unsafeUninitializedCapacity: data.count) { buffer, initialized in
            initialized = data.copyBytes(to: buffer)
        }
    }

    /// The file at `path`, memory-mapped read-only (pages are read as they are touched).
    public static func map(path: String, maxBytes: Int = defaultLimit) throws -> Data {
        try checkRegularFile(path: path, maxBytes: maxBytes)
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw ReadError(kind: .io, path: path, message: "cannot read file: \(error.localizedDescription)")
        }
    }
}
