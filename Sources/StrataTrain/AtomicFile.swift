import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An error from writing a report file (metrics log, chart, result).
///
/// ```swift
/// do { try curves.write(to: "/readonly/curves.svg") }
/// catch let error as ReportFileError { print(error) }  // says which file and why
/// ```
public enum ReportFileError: Error, CustomStringConvertible, Equatable {
    /// The file could not be created or opened for writing.
    case cannotOpen(path: String, reason: String)
    /// Writing or renaming into place failed.
    case cannotWrite(path: String, reason: String)
    /// The file extension does not name a known format.
    case unknownFormat(path: String, expected: String)

    /// A sentence that names the file and the cause.
    ///
    /// ```swift
    /// print(ReportFileError.cannotOpen(path: "a.csv", reason: "Permission denied"))
    /// ```
    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "cannot open \(path) for writing: \(reason)"
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        case .unknownFormat(let path, let expected):
            return "cannot tell the format of \(path) from its extension (expected \(expected))"
        }
    }
}

/// Whole-file writes that readers never see half done: the text goes to a
/// temporary file in the same folder, which is then renamed over the target.
enum AtomicFile {
    static func write(_ text: String, to path: String) throws {
        try createParentDirectory(of: path)
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        do {
            try Data(text.utf8).write(to: temporary)
        } catch {
            throw ReportFileError.cannotWrite(path: temporary.path, reason: "\(error.localizedDescription)")
        }
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw ReportFileError.cannotWrite(path: path, reason: "rename failed: \(reason)")
        }
    }

    /// Creates the folder that will hold `path`, with its parents, if missing.
    static func createParentDirectory(of path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        guard !FileManager.default.fileExists(atPath: folder.path) else { return }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ReportFileError.cannotOpen(path: path, reason: "cannot create folder \(folder.path): \(error.localizedDescription)")
        }
    }
}
