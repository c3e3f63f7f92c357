import Foundation
import Testing
import StrataIO
import _StrataTestSupport

/// Damaged copies of Fixtures/small.gguf: every case must end in a `FileError` or a successful,
/// self-consistent read; never a crash, a hang or another error.
@Suite("GGUF fuzzing")
struct GGUFFuzzTests {
    let original: [UInt8]
    let reference: GGUFFile

    init() throws {
        let path = try GGUFFixtures.smallGGUF
        original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        reference = try GGUFFile(path: path)
    }

    /// Opens `bytes`; returns the file, or nil after a `FileError`. Any other error fails the test.
    func open(_ bytes: [UInt8], _ label: @autoclosure () -> String) -> GGUFFile? {
        do {
            let file = try GGUFFile(bytes: bytes, source: "fuzz.gguf")
            checkConsistent(file, label())
            return file
        } catch let error as FileError {
            #expect(error.description.hasPrefix("fuzz.gguf: "), "\(label())")
            if let offset = error.offset {
                #expect(offset >= 0 && offset <= bytes.count, "\(label()): \(error)")
            }
            return nil
        } catch {
            Issue.record("\(label()): unexpected error \(error)")
            return nil
        }
    }

    /// What a successful read promises: aligned, in-file, disjoint tensors and keys that match.
    func checkConsistent(_ file: GGUFFile, _ label: String) {
        #expect(file.version == 2 || file.version == 3, "\(label)")
        #expect(file.metadataKeys.count == file.metadata.count, "\(label)")
        #expect(file.dataOffset % file.alignment == 0, "\(label)")
        var end = 0
        for info in file.tensors.sorted(by: { $0.offset < $1.offset }) {
            #expect(info.offset >= end && info.offset % file.alignment == 0, "\(label)")
            #expect(info.elementCount == info.dimensions.reduce(1, *), "\(label)")
            #expect(file.dataOffset + info.offset + info.byteCount <= file.fileSize, "\(label)")
            #expect(file.bytes(of: info).count == info.byteCount, "\(label)")
            end = info.offset + info.byteCount
        }
    }

    @Test("truncation at every byte offset")
    func truncation() {
        let lastByte = reference.tensors.map { reference.dataOffset + $0.offset + $0.byteCount }.max()!
        for length in 0..<original.count {
            let file = open(Array(original[0..<length]), "truncated to \(length)")
            // Only the padding after the last tensor may go.
            #expect((file != nil) == (length >= lastByte), "truncated to \(length)")
            if let file {
                #expect(file.metadata == reference.metadata && file.tensors == reference.tensors)
            }
        }
    }

    @Test("shared fuzz cases: bit flips, extreme header fields, deleted and copied ranges")
    func sharedCases() {
        // Fields are overwritten at 600 seeded header positions; flips and range edits land anywhere.
        let budget = FuzzCases.Budget(truncations: 0, bitFlips: 600, fieldPositions: 600,
                                      fieldRegion: 0..<reference.dataOffset, rangeEdits: 200)
        let summary = FuzzRun.run("GGUF", FuzzCases(original, seed: 0x6775_6666, budget: budget),
                                  expected: { $0 is FileError }) { fuzzCase in
            let file = try GGUFFile(bytes: fuzzCase.bytes, source: "fuzz.gguf")
            checkConsistent(file, fuzzCase.label)
        }
        #expect(summary.passed, "\(summary.report)")
        // Flips inside strings, values and tensor data leave a readable file: both outcomes occur.
        #expect(summary.errors > 0 && summary.successes > 0)
    }
}

