import Foundation
import Testing

/// Data files that are well-formed at the byte level but wrong for the job: each is one line
/// naming the file and what was expected, exit status 1, no crash and nothing trained to
/// nonsense.
@Suite("Hostile data files through the commands")
struct HostileFileTests {
    /// A fresh directory under the temporary folder.
    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "strata-hostile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// An IDX file (unsigned bytes): magic 0x0000 08 nd, big-endian sizes, then the bytes.
    static func idx(_ dimensions: [Int], fill: UInt8 = 7) -> Data {
        var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for d in dimensions { bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: d >> $0) } }
        bytes += [UInt8](repeating: fill, count: dimensions.reduce(1, *))
        return Data(bytes)
    }

    /// An MNIST-format directory whose images are `rows` x `columns`, `count` of them.
    static func mnist(count: Int, rows: Int, columns: Int) throws -> String {
        let dir = try directory()
        for split in ["train", "t10k"] {
            try idx([count, rows, columns]).write(to: URL(fileURLWithPath: "\(dir)/\(split)-images-idx3-ubyte"))
            try idx([count], fill: 3).write(to: URL(fileURLWithPath: "\(dir)/\(split)-labels-idx1-ubyte"))
        }
        return dir
    }

    static func expectCleanFailure(_ arguments: [String], mentions: [String]) throws {
        let result = try StrataBinary.run(arguments)
        #expect(result.status == 1, "strata \(arguments.joined(separator: " ")) exited \(result.status): \(result.standardError)")
        for m in mentions { #expect(result.standardError.contains(m), "message lacks '\(m)': \(result.standardError)") }
        #expect(!result.standardError.contains("Fatal error"))
    }

    @Test("14x56 images (784 pixels, as many as 28x28) are refused, not trained on")
    func wrongImageShape() throws {
        let dir = try Self.mnist(count: 4, rows: 14, columns: 56)
        try Self.expectCleanFailure(["train", "mnist", "--data", dir, "--epochs", "1", "--out", dir + "/run"],
                                    mentions: [dir, "14x56", "28x28"])
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/model.safetensors"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/training.safetensors"))
    }

    @Test("an MNIST set with no images is refused")
    func noImages() throws {
        let dir = try Self.mnist(count: 0, rows: 28, columns: 28)
        try Self.expectCleanFailure(["train", "mnist", "--data", dir, "--epochs", "1", "--out", dir + "/run"],
                                    mentions: [dir, "no images"])
    }

    @Test("one rating is too few to hold any out")
    func singleRating() throws {
        let dir = try Self.directory()
        try "u1,i1,4\n".write(toFile: dir + "/one.csv", atomically: true, encoding: .utf8)
        try Self.expectCleanFailure(["train", "recommender", "--ratings", dir + "/one.csv", "--out", dir + "/run"],
                                    mentions: [dir + "/one.csv", "too few"])
    }

    @Test("random bytes are not a ratings file")
    func garbageRatings() throws {
        let dir = try Self.directory()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<3000).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/noise.csv"))
        try Self.expectCleanFailure(["train", "recommender", "--ratings", dir + "/noise.csv", "--out", dir + "/run"],
                                    mentions: [dir + "/noise.csv", "is this a ratings file?"])
    }

    @Test("a corpus without a newline trains and samples to the end")
    func corpusWithoutNewline() throws {
        let dir = try Self.directory()
        let text = String(repeating: "to be or not to be that is the question ", count: 40)
        try text.write(toFile: dir + "/corpus.txt", atomically: true, encoding: .utf8)
        let result = try StrataBinary.run(["train", "lm", "--data", dir + "/corpus.txt", "--steps", "3", "--eval-interval", "3",
                                           "--layers", "1", "--width", "16", "--heads", "2", "--context", "16",
                                           "--batch-size", "2", "--sample-tokens", "10", "--out", dir + "/run"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("Sample"))
    }
}
