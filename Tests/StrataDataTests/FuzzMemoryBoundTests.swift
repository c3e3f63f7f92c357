import Testing
import _StrataTestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fuzz runner's memory bound: a case that allocates past it every time is a finding;
/// cases that stay small are not.
@Suite("fuzz runner memory bound", .serialized)
struct FuzzMemoryBoundTests {
    /// Touches `bytes` of fresh memory so that it becomes resident, then unmaps it. The pages
    /// come from mmap, not malloc, whose retained free blocks could serve a request without
    /// raising the resident set.
    static func touch(_ bytes: Int) {
        guard let buffer = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              buffer != MAP_FAILED else { fatalError("mmap of \(bytes) bytes failed") }
        defer { munmap(buffer, bytes) }
        for offset in stride(from: 0, to: bytes, by: 4096) { buffer.storeBytes(of: 1, toByteOffset: offset, as: UInt8.self) }
    }

    @Test("a case that allocates past the bound every time is a finding")
    func overTheBound() {
        let cases = [FuzzCase(label: "small", bytes: [1]), FuzzCase(label: "huge", bytes: [2])]
        let summary = FuzzRun.run("memory bound", cases, expected: { _ in true }) { fuzzCase in
            Self.touch(fuzzCase.bytes == [2] ? 2 * FuzzRun.memoryLimitBytes : 1 << 20)
        }
        #expect(!summary.passed)
        #expect(summary.overMemory == 1)
        #expect(summary.findings.count == 1 && summary.findings[0].hasPrefix("huge: peak RSS grew by"), "\(summary.findings)")
    }

    @Test("cases that stay small pass, however high the process's peak already is")
    func underTheBound() {
        Self.touch(2 * FuzzRun.memoryLimitBytes)   // a high lifetime peak first
        let cases = (0..<20).map { FuzzCase(label: "case \($0)", bytes: [UInt8($0)]) }
        let summary = FuzzRun.run("memory bound", cases, expected: { _ in true }) { _ in Self.touch(8 << 20) }
        #expect(summary.passed, "\(summary.report)")
        #expect(summary.overMemory == 0 && summary.peakGrowthBytes < 64 << 20)
    }

    /// Where the kernel's peak can be reset (Linux), a stretch's own allocation counts even
    /// below the process's lifetime peak; elsewhere only a new high would.
    @Test("a reset peak measures a stretch below the lifetime peak")
    func resetPeakMeasuresTheStretch() throws {
        Self.touch(2 * FuzzRun.memoryLimitBytes)
        guard PeakMemory.canResetPeak else {
            print("skipped: this system does not let a process reset its peak resident set (/proc/self/clear_refs)")
            return
        }
        #expect(PeakMemory.mark().reset, "clear_refs is writable, yet the measure fell back to the lifetime peak")
        // Other tests allocate and free at the same time, which moves the measure either way;
        // one of three tries within the bounds shows the mechanism.
        let tries = (0..<3).map { _ in PeakMemory.measuring { Self.touch(32 << 20) }.1 }
        #expect(tries.contains { $0 >= 24 << 20 && $0 < 256 << 20 }, "\(tries.map { $0 >> 20 }) MB for a 32 MB stretch")
    }
}
