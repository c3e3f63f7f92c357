import Foundation
import StrataCore
import StrataData
import StrataIO
import StrataModels
import Testing

/// A configuration read from a checkpoint is validated before any model is built from it.
@Suite("Checkpoint configurations are validated before building")
struct ConfigValidationTests {
    static let badGPTConfigs: [(String, String)] = [
        (#"{"vocabularySize":10,"context":8,"layers":1,"heads":0,"width":8,"dropout":0,"bias":true}"#, "heads"),
        (#"{"vocabularySize":10,"context":8,"layers":1,"heads":3,"width":8,"dropout":0,"bias":true}"#, "width"),
        (#"{"vocabularySize":-1,"context":8,"layers":1,"heads":2,"width":8,"dropout":0,"bias":true}"#, "vocabularySize"),
        (#"{"vocabularySize":10,"context":0,"layers":1,"heads":2,"width":8,"dropout":0,"bias":true}"#, "context"),
        (#"{"vocabularySize":10,"context":8,"layers":-4,"heads":2,"width":8,"dropout":0,"bias":true}"#, "layers"),
        (#"{"vocabularySize":10,"context":8,"layers":1,"heads":2,"width":8,"dropout":1,"bias":true}"#, "dropout"),
        (#"{"vocabularySize":16000000,"context":8,"layers":1000,"heads":2,"width":65536,"dropout":0,"bias":true}"#, "width"),
        (#"{"vocabularySize":10,"context":8,"layers":"x","heads":2,"width":8,"dropout":0,"bias":true}"#, "layers"),
    ]

    /// A tiny GPT checkpoint whose stored config is then replaced by `config`.
    func checkpoint(withConfig config: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-config-\(UUID().uuidString)").path
        let tokenizer = CharacterTokenizer(corpus: "abcdefgh")
        let gpt = GPT(GPT.Config(vocabularySize: tokenizer.vocabularySize, context: 8, layers: 1, heads: 2, width: 8))
        try LanguageModelCheckpoint.save(.gpt(gpt), tokenizer: tokenizer, to: dir)
        let path = dir + "/model.safetensors"
        var (tensors, metadata) = try SafeTensors.load(path: path)
        metadata["config"] = config
        try SafeTensors.save(tensors, metadata: metadata, to: path)
        tensors.removeAll()
        return dir
    }

    @Test(arguments: badGPTConfigs.indices)
    func badGPTConfigIsAnError(_ index: Int) throws {
        let (config, key) = Self.badGPTConfigs[index]
        let dir = try checkpoint(withConfig: config)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            _ = try LanguageModelCheckpoint.load(directory: dir)
            Issue.record("a checkpoint with config \(config) loaded")
        } catch {
            let text = "\(error)"
            #expect(text.contains("model.safetensors") && text.contains(key), "\(text)")
            #expect(!text.contains("CodingKeys"), "leaks DecodingError's debug text: \(text)")
        }
    }

    @Test func goodConfigsPass() throws {
        try GPT.Config(vocabularySize: 65).validate(source: "t")
        try LSTMLanguageModel.Config(vocabularySize: 65).validate(source: "t")
        try MLP.Config().validate(source: "t")
        try ConvNet.Config().validate(source: "t")
        #expect(throws: ConfigError.self) { try LSTMLanguageModel.Config(vocabularySize: 65, layers: 0).validate(source: "t") }
        #expect(throws: ConfigError.self) { try MLP.Config(hiddenSizes: [512, -1]).validate(source: "t") }
        #expect(throws: ConfigError.self) { try ConvNet.Config(classes: 0).validate(source: "t") }
    }
}
