import Foundation

/// Stops the process with `message` when `condition` is false — in every build configuration.
///
/// Swift's `precondition` drops its message in optimised builds (`-c release` stops with a bare
/// "Illegal instruction"), so Strata's programmer-error checks (shape mismatches, an index out of
/// range, `item()` on a non-scalar) go through this instead: it flushes standard output, so that
/// what was printed before survives a pipe, writes `message` to standard error and stops.
/// Bad files, flags and network input are not programmer errors: they throw.
///
/// ```swift
/// ensure(a.shape == b.shape, "add: shapes \(a.shape) and \(b.shape) differ")
/// ```
@inline(__always)
public func ensure(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                   file: StaticString = #fileID, line: UInt = #line) {
    if _slowPath(!condition()) { ensureFailure(message(), file: file, line: line) }
}

/// Stops the process with `message`, in every build configuration (see ``ensure(_:_:file:line:)``).
@inline(never)
public func ensureFailure(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fflush(nil)   // every output stream, stdout included
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    fatalError(message, file: file, line: line)
}
