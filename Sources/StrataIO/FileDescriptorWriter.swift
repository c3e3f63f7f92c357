import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one `write(2)` loop of Strata: ``AtomicFile``, ``AppendingFile`` and the progress bar's
/// terminal output all write through it.
///
/// ```swift
/// let (written, failure) = bytes.withUnsafeBytes { FileDescriptorWriter.writeAll($0, to: STDOUT_FILENO) }
/// ```
public enum FileDescriptorWriter {
    /// Writes all of `bytes` to `descriptor`, retrying calls interrupted by a signal (`EINTR`) and
    /// short writes. Stops at the first error, or at a call that writes nothing (which would
    /// otherwise loop forever). Returns how many bytes were written and, on failure, why.
    public static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> (written: Int, failure: String?) {
        var done = 0
        while done < bytes.count {
            let written = systemWrite(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if written > 0 {
                done += written
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 {
                return (done, String(cString: strerror(errno)))
            } else {
                return (done, "the system wrote 0 of \(bytes.count - done) bytes")
            }
        }
        return (done, nil)
    }
}

/// A file that grows a piece at a time (a metrics log, one row per epoch): opened for appending,
/// each piece written whole through ``FileDescriptorWriter``. Files written whole use ``AtomicFile``.
///
/// ```swift
/// let log = try AppendingFile(path: "runs/history.csv", truncate: true)
/// try log.append("epoch,loss\n")
/// log.close()
/// ```
public final class AppendingFile: @unchecked Sendable {  // unchecked: the descriptor is only used by its owner
    /// The file.
    public let path: String
    private var descriptor: Int32

    /// Opens `path` for appending, creating it (and its parent folders) when missing;
    /// `truncate` empties an existing file first.
    public init(path: String, truncate: Bool) throws {
        self.path = path
        try AtomicFile.createParentDirectory(of: path)
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0o644)
        guard descriptor >= 0 else {
            throw FileError(kind: .io, path: path, found: "cannot open for writing: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close() }

    /// Appends `text` as UTF-8; does nothing after `close()`.
    public func append(_ text: String) throws {
        guard descriptor >= 0 else { return }
        let bytes = Array(text.utf8)
        let (written, failure) = bytes.withUnsafeBytes { FileDescriptorWriter.writeAll($0, to: descriptor) }
        if let failure {
            throw FileError(kind: .io, path: path, found: "cannot write (\(written) of \(bytes.count) bytes written): \(failure)")
        }
    }

    /// Closes the file; later appends are ignored.
    public func close() {
        guard descriptor >= 0 else { return }
        _ = Foundation.close(descriptor)
        descriptor = -1
    }
}

/// `write(2)` under a name that members called `write` do not hide.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(descriptor, bytes, count)
    #elseif canImport(Musl)
    return Musl.write(descriptor, bytes, count)
    #else
    return Darwin.write(descriptor, bytes, count)
    #endif
}
