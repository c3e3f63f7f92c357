import Testing
import _StrataTestSupport

/// The fuzz runner's memory bound: a case that allocates past it every time is a finding;
/// cases that stay small are not.
@Suite("fuzz runner memory bound", .serialized)
struct FuzzMemoryBoundTests {
    /// Touches `bytes` of fresh memory so that it becomes resident, then frees it.
    static func touch(_ bytes: Int) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 4096)
        defer { buffer.deallocate() }
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
}
