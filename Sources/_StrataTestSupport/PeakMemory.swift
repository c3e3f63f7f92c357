import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How much one stretch of code raised the process's peak resident set.
///
/// On Linux the kernel's peak (VmHWM) is reset to the current resident set before the stretch
/// (by writing `5` to /proc/self/clear_refs), so the growth is that of the stretch alone, plus
/// whatever other threads allocated in the same moment. Elsewhere, or where /proc does not allow
/// the reset, it is the growth of the lifetime peak (`getrusage`), which counts only a new high.
/// ``measuring(_:)`` holds a lock, so that two measured stretches never reset each other's peak.
///
/// ```swift
/// let (result, grew) = PeakMemory.measuring { Result { try parse(bytes) } }   // grew: bytes
/// ```
public enum PeakMemory {
    private static let lock = NSRecursiveLock()

    /// Runs `body` alone among measured stretches and returns its result and ``growth(since:)``.
    public static func measuring<T>(_ body: () -> T) -> (T, Int) {
        lock.lock()
        defer { lock.unlock() }
        let start = mark()
        let result = body()
        return (result, growth(since: start))
    }

    /// Where the measure started: the resident set after a reset, or the lifetime peak.
    public struct Mark: Sendable {
        let bytes: Int
        /// Whether the kernel's peak was reset (the measure is the stretch's own).
        public let reset: Bool
    }

    /// Resets the peak where the system allows it and returns the starting point.
    public static func mark() -> Mark {
        #if os(Linux)
        if resetPeak(), let resident = statusField("VmRSS:") {
            return Mark(bytes: resident, reset: true)
        }
        #endif
        return Mark(bytes: lifetimePeak(), reset: false)
    }

    /// Whether this system lets the process reset its peak (/proc/self/clear_refs is writable).
    public static var canResetPeak: Bool {
        #if os(Linux)
        return resetPeak()
        #else
        return false
        #endif
    }

    /// The rise of the peak resident set since `mark`, in bytes (0 when it did not rise).
    public static func growth(since mark: Mark) -> Int {
        #if os(Linux)
        if mark.reset, let peak = statusField("VmHWM:") { return max(0, peak - mark.bytes) }
        #endif
        return max(0, lifetimePeak() - mark.bytes)
    }

    /// The process's peak resident set so far (`getrusage` ru_maxrss), in bytes.
    public static func lifetimePeak() -> Int {
        var usage = rusage()
        getrusage(0, &usage)   // RUSAGE_SELF is 0 on Linux and macOS; Glibc imports it as an enum
        #if canImport(Darwin)
        return Int(usage.ru_maxrss)
        #else
        return Int(usage.ru_maxrss) * 1024
        #endif
    }

    #if os(Linux)
    private static func resetPeak() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var five: UInt8 = 0x35
        return write(fd, &five, 1) == 1
    }

    /// A "kB" field of /proc/self/status, in bytes.
    private static func statusField(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
              let kilobytes = Int(line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        else { return nil }
        return kilobytes * 1024
    }
    #endif
}
