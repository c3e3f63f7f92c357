import Foundation
import Testing
import StrataIO

/// Damaged copies of Fixtures/small.gguf: every case must end in a `GGUFError` or a successful,
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

    /// Opens `bytes`; returns the file, or nil after a `GGUFError`. Any other error fails the test.
    func open(_ bytes: [UInt8], _ label: @autoclosure () -> String) -> GGUFFile? {
        do {
            let file = try GGUFFile(bytes: bytes, source: "fuzz.gguf")
            checkConsistent(file, label())
            return file
        } catch let error as GGUFError {
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

    @Test("seeded random bit flips")
    func bitFlips() {
        var random = SplitMix64(seed: 0x6775_6666)
        var survived = 0
        for trial in 0..<600 {
            var bytes = original
            // Most flips land in the header, where the parser looks; some anywhere.
            let limit = trial % 4 == 0 ? bytes.count : reference.dataOffset
            let flips = 1 + Int(random.next() % 3)
            for _ in 0..<flips {
                let position = Int(random.next() % UInt64(limit))
                bytes[position] ^= 1 << UInt8(random.next() % 8)
            }
            if open(bytes, "bit-flip trial \(trial)") != nil { survived += 1 }
        }
        // Flips inside strings, values and tensor data leave a readable file: both outcomes occur.
        #expect(survived > 0 && survived < 600)
    }

    @Test("every 8- and 4-byte field overwritten with extreme values")
    func hugeFields() {
        let wide: [UInt64] = [.max, 1 << 63, UInt64(Int64.max), 1 << 32, UInt64(original.count), 0]
        let narrow: [UInt32] = [.max, 1 << 31, 13, 5, 0]
        var failures = 0
        for position in 0..<(reference.dataOffset - 8) {
            for value in wide {
                var bytes = original
                withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(position..<(position + 8), with: $0) }
                if open(bytes, "u64 \(value) at \(position)") == nil { failures += 1 }
            }
            for value in narrow {
                var bytes = original
                withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(position..<(position + 4), with: $0) }
                if open(bytes, "u32 \(value) at \(position)") == nil { failures += 1 }
            }
        }
        #expect(failures > 0)
    }
}

/// A tiny deterministic generator (SplitMix64) for reproducible fuzz cases.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
