import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers see either the old contents or the complete new contents.
///
/// The bytes go to a fresh temporary file in the target's directory, which is flushed to disk
/// and then renamed over the target; on any failure the temporary file is removed. Every file
/// Strata writes whole (checkpoints, safetensors, JSON results, charts, tokenizer copies, images)
/// goes through here; a failure is a ``FileError`` naming the file.
///
/// ```swift
/// try AtomicFile.write(Array("hello\n".utf8), to: "out/greeting.txt")
/// ```
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { try $0.write(bytes) }
    }

    /// Writes `data` to `path` atomically.
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { sink in try data.withUnsafeBytes { try sink.write($0) } }
    }

    /// Writes `text` as UTF-8 to `path` atomically, creating missing parent folders first.
    ///
    /// ```swift
    /// try AtomicFile.write("<svg ...></svg>\n", to: "runs/mnist/curves.svg")
    /// ```
    public static func write(_ text: String, to path: String) throws {
        try createParentDirectory(of: path)
        try write(Array(text.utf8), to: path)
    }

    /// Creates the folder that will hold `path`, with its parents, if missing.
    public static func createParentDirectory(of path: String) throws {
        let folder = directoryName(of: path)
        guard !FileManager.default.fileExists(atPath: folder) else { return }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw FileError(kind: .io, path: path, found: "cannot create folder \(folder): \(error.localizedDescription)")
        }
    }

    /// Writes through `body` into a temporary file, then renames it over `path`.
    public static func write(to path: String, _ body: (inout FileSink) throws -> Void) throws {
        let directory = directoryName(of: path)
        let slash = path.lastIndex(of: "/")
        let prefix = slash.map { String(path[...$0]) } ?? ""
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let temporaryPath = prefix + ".\(base).tmp-\(getpid())-\(suffix)"

        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw FileError(kind: .io, path: path, found: "cannot create temporary file \(temporaryPath): \(errnoText())")
        }
        var sink = FileSink(descriptor: descriptor, path: path)
        var closed = false
        do {
            try body(&sink)
            guard fsync(descriptor) == 0 else {
                throw FileError(kind: .io, path: path, found: "cannot flush \(temporaryPath) to disk: \(errnoText())")
            }
            closed = true
            guard close(descriptor) == 0 else {
                throw FileError(kind: .io, path: path, found: "cannot close \(temporaryPath): \(errnoText())")
            }
            guard rename(temporaryPath, path) == 0 else {
                throw FileError(kind: .io, path: path, found: "cannot rename \(temporaryPath) to \(path): \(errnoText())")
            }
        } catch {
            if !closed { close(descriptor) }
            unlink(temporaryPath)
            throw error
        }
        syncDirectory(directory)
        removeStaleTemporaries(of: base, in: directory)
    }

    /// Removes the temporary files of `base` (`.BASE.tmp-PID-HEX`) left by writers that were
    /// killed mid-write: only those whose process no longer exists, so a concurrent writer's
    /// file is never touched.
    static func removeStaleTemporaries(of base: String, in directory: String) {
        let marker = ".\(base).tmp-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(marker) {
            let rest = name.dropFirst(marker.count)
            guard let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[..<dash]), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(directory + "/" + name) }
        }
    }

    /// The directory part of `path`, or "." when it has none.
    static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    /// Makes the rename durable; failure here is harmless, so it is ignored.
    static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

/// The writable end handed to `AtomicFile.write`'s body.
public struct FileSink {
    let descriptor: Int32
    let path: String
    /// Bytes written so far.
    public private(set) var count = 0

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Writes all of `bytes` (through ``FileDescriptorWriter/writeAll(_:to:)``).
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        let (written, failure) = FileDescriptorWriter.writeAll(bytes, to: descriptor)
        count += written
        if let failure { throw FileError(kind: .io, path: path, at: .offset(count), found: "cannot write: \(failure)") }
    }

    /// Writes all of `bytes`.
    public mutating func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}
