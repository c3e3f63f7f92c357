import Foundation
import StrataIO
import Testing

/// Paths that are not readable regular files are one clear error before anything is read.
@Suite("File reading checks what the path names")
struct FileBytesTests {
    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func directoryDeviceAndMissingFile() throws {
        let dir = NSTemporaryDirectory()
        #expect(message { try FileBytes.read(path: dir) }.contains("is a directory"))
        #expect(message { try FileBytes.read(path: "/dev/zero") }.contains("not a regular file"))
        #expect(message { try FileBytes.read(path: dir + "/no-such-file-\(UUID())") }.contains("no such file"))
        #expect(message { try SafeTensors.read(path: "/dev/zero") }.contains("not a regular file"))
        #expect(message { try SafeTensors.read(path: dir) }.contains("is a directory"))
    }

    @Test func sizeLimitAndContents() throws {
        let path = NSTemporaryDirectory() + "strata-filebytes-\(UUID())"
        try Data([1, 2, 3, 4]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try FileBytes.read(path: path) == [1, 2, 3, 4])
        #expect(message { try FileBytes.read(path: path, maxBytes: 3) }.contains("more than the limit of 3"))
    }
}
