import Foundation
import StrataIO
import Testing

/// Writes are all-or-nothing, and the torn temporary files of a killed writer are cleaned up by
/// the next write of the same file.
@Suite("Atomic file writes")
struct AtomicFileTests {
    /// The pid of a process that has exited.
    func deadPID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    @Test func tornTemporariesOfDeadWritersAreRemoved() throws {
        let dir = NSTemporaryDirectory() + "strata-atomic-\(UUID())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let torn = dir + "/.model.safetensors.tmp-\(try deadPID())-1f2e"
        let live = dir + "/.model.safetensors.tmp-\(getpid())-abcd"        // this process: a writer still running
        let other = dir + "/.other.bin.tmp-\(try deadPID())-77"             // another file's: left alone
        for path in [torn, live, other] { try Data([1, 2]).write(to: URL(fileURLWithPath: path)) }

        try AtomicFile.write([9, 9, 9], to: dir + "/model.safetensors")

        #expect(FileManager.default.contents(atPath: dir + "/model.safetensors") == Data([9, 9, 9]))
        #expect(!FileManager.default.fileExists(atPath: torn))
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(FileManager.default.fileExists(atPath: other))
    }
}
