import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a parser over fuzz cases and counts the outcomes. A case that throws an error accepted
/// by `expected` counts as an error; one that returns counts as a success (the body checks that
/// the result is self-consistent and throws ``FuzzInconsistency`` when it is not); any other
/// error, and any case slower than ``hangSeconds``, is a finding. A crash ends the process, so
/// a summary that prints at all has crashes = 0.
///
/// ```swift
/// let summary = FuzzRun.run("IDX raw", FuzzCases(bytes, seed: 7), expected: { $0 is FileError }) { fuzzCase in
///     _ = try IDX.decode(fuzzCase.bytes)
/// }
/// #expect(summary.findings.isEmpty, "\(summary.findings)")
/// ```
public struct FuzzSummary: Sendable {
    public let format: String
    public var cases = 0
    public var errors = 0
    public var successes = 0
    /// Cases that ended in an unexpected error or a slow run, with their labels.
    public var findings: [String] = []
    public var hangs = 0
    /// Cases whose peak-RSS growth was over ``FuzzRun/memoryLimitBytes`` twice.
    public var overMemory = 0
    public var slowestSeconds = 0.0
    public var totalSeconds = 0.0
    /// The largest rise of the peak resident set during one case, confirmed by running the case
    /// again (see ``PeakMemory``).
    public var peakGrowthBytes = 0

    public init(format: String) { self.format = format }

    /// The line the fuzz tests print, one per format.
    public var line: String {
        let mb = Double(peakGrowthBytes) / 1_048_576
        return "fuzz \(format): \(cases) cases, \(errors) errors, \(successes) successes, crashes = 0, "
            + "hangs = \(hangs), unexpected = \(findings.count - hangs - overMemory), over memory = \(overMemory), largest peak RSS growth of a case "
            + String(format: "%.1f MB (limit %d MB), slowest case %.1f ms, %.2f s", mb, FuzzRun.memoryLimitBytes >> 20,
                     slowestSeconds * 1000, totalSeconds)
    }

    /// The summary line and the first 20 findings, for a failing test's message.
    public var report: String {
        ([line] + findings.prefix(20)).joined(separator: "\n")
    }

    /// Whether the run stayed within the bounds: no findings, memory under the limit.
    public var passed: Bool { findings.isEmpty && peakGrowthBytes <= FuzzRun.memoryLimitBytes }
}

/// A successful read that contradicts itself (a count that does not match, a value out of range).
public struct FuzzInconsistency: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum FuzzRun {
    /// The documented bound on the peak-RSS growth of one fuzz case: 512 MB. The measure is the
    /// process's, so a test running alongside can add to it; a case over the bound is therefore
    /// run again, and counts only if it is over the bound both times (a damaged file that makes
    /// the parser allocate does so every time; a neighbour's allocation rarely lands twice).
    public static let memoryLimitBytes = 512 << 20
    /// A case that takes longer than this counts as a hang (generous: the tests share two busy cores).
    public static let hangSeconds = 5.0

    /// Throws `FuzzInconsistency(message)` unless `condition` holds.
    public static func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw FuzzInconsistency(message()) }
    }

    /// Runs `body` on every case and prints the summary line.
    public static func run<S: Sequence>(_ format: String, _ cases: S, expected: (any Error) -> Bool,
                                        _ body: (FuzzCase) throws -> Void) -> FuzzSummary where S.Element == FuzzCase {
        var summary = FuzzSummary(format: format)
        let start = Date()
        for fuzzCase in cases {
            summary.cases += 1
            let caseStart = Date()
            let (outcome, firstGrowth) = PeakMemory.measuring { Result { try body(fuzzCase) } }
            switch outcome {
            case .success:
                summary.successes += 1
            case .failure(let error) where !(error is FuzzInconsistency) && expected(error):
                summary.errors += 1
            case .failure(let error):
                summary.findings.append("\(fuzzCase.label): \(type(of: error)): \(error)")
            }
            var growth = firstGrowth
            if growth > memoryLimitBytes {
                growth = min(growth, PeakMemory.measuring { _ = try? body(fuzzCase) }.1)
                if growth > memoryLimitBytes {
                    summary.overMemory += 1
                    summary.findings.append("\(fuzzCase.label): peak RSS grew by \(growth >> 20) MB (limit \(memoryLimitBytes >> 20) MB)")
                }
            }
            summary.peakGrowthBytes = max(summary.peakGrowthBytes, growth)
            let seconds = Date().timeIntervalSince(caseStart)
            summary.slowestSeconds = max(summary.slowestSeconds, seconds)
            if seconds > hangSeconds {
                summary.hangs += 1
                summary.findings.append("\(fuzzCase.label): took \(seconds) s (hang limit \(hangSeconds) s)")
            }
        }
        summary.totalSeconds = Date().timeIntervalSince(start)
        print(summary.line)
        return summary
    }
}

/// A scratch directory for parsers that read paths; removed on `remove()`.
public final class FuzzDirectory: @unchecked Sendable {  // used by one test at a time
    public let path: String

    public init(_ name: String) throws {
        path = NSTemporaryDirectory() + "strata-fuzz-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `bytes` to `name` in the directory and returns its path.
    @discardableResult
    public func write(_ bytes: [UInt8], to name: String) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
    deinit { remove() }
}
