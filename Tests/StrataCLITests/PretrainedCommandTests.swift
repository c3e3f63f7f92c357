import Foundation
import Testing

/// `strata generate --model` and `strata perplexity` on the SmolLM2 GGUF (when fetched), and
/// their flag checks (always).
@Suite("Pretrained-model commands")
struct PretrainedCommandTests {
    static let modelPath: String? = {
        let name = "SmolLM2-135M-Instruct.Q4_1.gguf"
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var candidates: [String] = [root.appendingPathComponent("Models/" + name).path]
        if let dir = ProcessInfo.processInfo.environment["STRATA_MODELS"] { candidates.insert(dir + "/" + name, at: 0) }
        let found = candidates.first { FileManager.default.fileExists(atPath: $0) }
        if found == nil { print("skipped: run Scripts/fetch_models.sh") }
        return found
    }()

    @Test("flags are checked first", arguments: [
        (["generate", "--checkpoint", "c", "--model", "m.gguf"], "exactly one"),
        (["generate"], "exactly one"),
        (["generate", "--checkpoint", "c", "--chat"], "--chat"),
        (["perplexity", "--model", "m.gguf", "--data", "t.txt", "--context", "1"], "--context"),
    ])
    func flags(_ arguments: [String], _ mention: String) throws {
        let result = try StrataBinary.run(arguments)
        #expect(result.status == 64, "\(result.standardError)")
        #expect(result.standardError.contains(mention), "\(result.standardError)")
    }

    @Test("a missing model file is one line naming it")
    func missingModel() throws {
        let result = try StrataBinary.run(["generate", "--model", "/nonexistent/m.gguf", "--prompt", "x"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("/nonexistent/m.gguf") && !result.standardError.contains("Fatal"))
    }

    @Test("greedy generation streams \" Paris.\"", .enabled(if: modelPath != nil))
    func paris() throws {
        let result = try StrataBinary.run(["generate", "--model", Self.modelPath!, "--prompt", "The capital of France is",
                                           "--max-tokens", "3", "--temperature", "0"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("The capital of France is Paris."), "\(result.standardOutput)")
    }

    @Test("a prompt longer than the context is one clear line, exit 1", .enabled(if: modelPath != nil))
    func longPrompt() throws {
        let prompt = String(repeating: "a ", count: 9000)
        let result = try StrataBinary.run(["generate", "--model", Self.modelPath!, "--prompt", prompt, "--max-tokens", "1"])
        #expect(result.status == 1)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("context of 8192"), "\(result.standardError)")
    }

    @Test("perplexity --json writes tokens, mean_nll and perplexity", .enabled(if: modelPath != nil))
    func perplexityJSON() throws {
        let dir = NSTemporaryDirectory() + "strata-ppl-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "The sun rose over the quiet harbour, and the fishing boats went out one by one.".write(
            toFile: dir + "/t.txt", atomically: true, encoding: .utf8)
        let result = try StrataBinary.run(["perplexity", "--model", Self.modelPath!, "--data", dir + "/t.txt", "--json", dir + "/p.json"])
        #expect(result.status == 0, "\(result.standardError)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/p.json"))) as? [String: Any]
        let tokens = json?["tokens"] as? Int, nll = json?["mean_nll"] as? Double, ppl = json?["perplexity"] as? Double
        #expect(tokens != nil && tokens! > 10)
        #expect(nll != nil && ppl != nil && abs(exp(nll!) - ppl!) < 1e-6 * ppl!)
    }
}
