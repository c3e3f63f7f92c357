import Foundation
import Testing

// Shared by the Llama, tokenizer and chat-template tests: fixture files (written by the scripts
// named in each file) and the location of the pretrained SmolLM2 GGUF.

enum LlamaFixtures {
    /// Tests/StrataModelsTests/Fixtures.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A fixture JSON file decoded as `T`; stops the test with the file's name when it cannot be.
    static func decode<T: Decodable>(_ type: T.Type, from name: String) throws -> T {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try JSONDecoder().decode(T.self, from: data)
    }

    /// Models/SmolLM2-135M-Instruct.Q4_1.gguf (or under $STRATA_MODELS), when it has been fetched.
    static let smolLMPath: String? = {
        let name = "SmolLM2-135M-Instruct.Q4_1.gguf"
        var candidates: [String] = []
        if let dir = ProcessInfo.processInfo.environment["STRATA_MODELS"] { candidates.append(dir + "/" + name) }
        let root = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent("Models/" + name).path)
        let found = candidates.first { FileManager.default.fileExists(atPath: $0) }
        if found == nil { print("skipped: run Scripts/fetch_models.sh (no \(name))") }
        return found
    }()
}

/// A fresh directory under the system temporary directory, removed when the value is released.
final class LlamaTemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "strata-llama-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The largest |a - b| / max(1, |b|) over two equal-length arrays.
func llamaMaxRelativeError(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "lengths differ: \(a.count) vs \(b.count)")
    return zip(a, b).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
}
