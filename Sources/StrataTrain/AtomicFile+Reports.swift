import Foundation
import StrataIO
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

/// Text files for reports, written through StrataIO's `AtomicFile` (temporary file, flush,
/// rename), with the parent folder created first and failures reported as `ReportFileError`.
extension AtomicFile {
    static func write(_ text: String, to path: String) throws {
        try createParentDirectory(of: path)
        do {
            try write(Array(text.utf8), to: path)
        } catch {
            throw ReportFileError.cannotWrite(path: path, reason: "\(error)")
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
