import Foundation
import StrataIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A growable text buffer that collects everything written to it.
///
/// Use it to capture the output of a ``ProgressBar`` in tests or to show
/// progress somewhere other than a terminal.
///
/// ```swift
/// let buffer = TextBuffer()
/// let bar = ProgressBar(totalSteps: 10, output: .buffer(buffer))
/// bar.finish(metrics: [("loss", 0.25)])
/// print(buffer.text)  // "Epoch 1/1  10/10 ... loss 0.2500 ..."
/// ```
public final class TextBuffer: TextOutputStream {
    /// Everything written so far.
    public private(set) var text: String = ""

    /// Creates an empty buffer.
    ///
    /// ```swift
    /// let buffer = TextBuffer()
    /// ```
    public init() {}

    /// Appends `string` to ``text``.
    ///
    /// ```swift
    /// var buffer = TextBuffer()
    /// print("hello", to: &buffer)
    /// ```
    public func write(_ string: String) {
        text += string
    }

    /// Removes everything written so far.
    ///
    /// ```swift
    /// buffer.clear()
    /// ```
    public func clear() {
        text = ""
    }
}

extension ProgressBar {
    /// Where a ``ProgressBar`` writes its text.
    ///
    /// ```swift
    /// let toStdout = ProgressBar(totalSteps: 100, output: .standardOutput)
    /// let captured = ProgressBar(totalSteps: 100, output: .buffer(TextBuffer()))
    /// ```
    public enum Output {
        /// The process's standard output (C stdio buffers are flushed first,
        /// so it stays in order with `print`). This is the default, as in Keras.
        case standardOutput
        /// The process's standard error.
        case standardError
        /// Any open file handle, for example a log file.
        case fileHandle(FileHandle)
        /// An in-memory buffer; never a terminal.
        case buffer(TextBuffer)

        /// Writes `text` at once (no buffering is left pending).
        func write(_ text: String) {
            switch self {
            case .standardOutput:
                Self.writeAll(text, to: STDOUT_FILENO)
            case .standardError:
                Self.writeAll(text, to: STDERR_FILENO)
            case .fileHandle(let handle):
                try? handle.write(contentsOf: Data(text.utf8))
            case .buffer(let buffer):
                buffer.write(text)
            }
        }

        /// Flushes C stdio (text from `print` still in its buffer goes first),
        /// then writes all of `text` to `descriptor`.
        private static func writeAll(_ text: String, to descriptor: Int32) {
            fflush(nil)
            // A closed pipe is not worth failing over: a failed write is dropped.
            _ = Array(text.utf8).withUnsafeBytes { FileDescriptorWriter.writeAll($0, to: descriptor) }
        }

        /// The file descriptor behind this output, if any.
        var fileDescriptor: Int32? {
            switch self {
            case .standardOutput: return STDOUT_FILENO
            case .standardError: return STDERR_FILENO
            case .fileHandle(let handle): return handle.fileDescriptor
            case .buffer: return nil
            }
        }

        /// Whether the output is an interactive terminal (`isatty`).
        var isTerminal: Bool {
            guard let fd = fileDescriptor else { return false }
            return isatty(fd) == 1
        }

        /// The terminal width in columns: `TIOCGWINSZ`, then `$COLUMNS`, then 80.
        var terminalColumns: Int {
            if let fd = fileDescriptor, isatty(fd) == 1 {
                var size = winsize()
                if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
                    return Int(size.ws_col)
                }
            }
            if let value = ProcessInfo.processInfo.environment["COLUMNS"],
               let columns = Int(value), columns > 0 {
                return columns
            }
            return 80
        }
    }

    /// How a ``ProgressBar`` shows progress.
    ///
    /// ```swift
    /// let bar = ProgressBar(totalSteps: 100, mode: .log)  // plain lines, e.g. under nohup
    /// ```
    public enum Mode: Sendable {
        /// ``interactive`` when the output is a terminal, ``log`` otherwise.
        case automatic
        /// One line redrawn in place with a carriage return, about ten times a second.
        case interactive
        /// Plain lines at most every few seconds or percent, then a final line.
        case log
    }
}
