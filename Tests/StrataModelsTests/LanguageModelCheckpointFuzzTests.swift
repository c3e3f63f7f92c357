import Foundation
import Testing
import StrataCore
import StrataData
import StrataIO
import StrataModels
import _StrataTestSupport

/// Damaged language-model checkpoint directories (a tiny GPT and a tiny LSTM with character
/// tokenizers): model.safetensors as bytes, its header JSON, each metadata value (the config
/// JSON, architecture, tokenizer kind), tokenizer.json and config.json. Every case must end in
/// one of the loader's errors or a model and tokenizer that run; never a crash or a hang.
@Suite("language-model checkpoint fuzzing", .serialized)
struct LanguageModelCheckpointFuzzTests {
    static func isExpected(_ error: any Error) -> Bool {
        error is FileError || error is ConfigError || error is TokenizerError
    }

    func fuzz(_ model: LanguageModel, _ format: String, seed: UInt64) throws {
        let scratch = try FuzzDirectory("lm-checkpoint")
        let tokenizer = CharacterTokenizer(corpus: "hello world\n")
        try LanguageModelCheckpoint.save(model, tokenizer: tokenizer, to: scratch.path)
        func bytes(_ name: String) throws -> [UInt8] {
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/" + name)))
        }
        var budget = FuzzCheckpoint.Budget()
        budget.metadataValue.textEdits = 150
        let cases = try FuzzCheckpoint.safetensorsCases(try bytes("model.safetensors"), file: "model.safetensors",
                                                        seed: seed, budget: budget)
            + FuzzCases(try bytes("tokenizer.json"), seed: seed + 10, budget: FuzzCases.Budget(truncations: 40, bitFlips: 60, fieldPositions: 2, rangeEdits: 30, textEdits: 100)).replacing("tokenizer.json")
            + FuzzCases(try bytes("config.json"), seed: seed + 11, budget: FuzzCases.Budget(truncations: 10, bitFlips: 10, fieldPositions: 0, rangeEdits: 5, textEdits: 20)).replacing("config.json")
        let summary = FuzzCheckpoint.run(format, directory: scratch.path, cases: cases, expected: Self.isExpected) {
            let (model, tokenizer, _) = try LanguageModelCheckpoint.load(directory: scratch.path)
            let ids = try tokenizer.encode("hello")
            try FuzzRun.check(ids.allSatisfy { $0 >= 0 && $0 < model.vocabularySize }, "ids \(ids) outside the model's vocabulary")
            let logits = withoutGradients { model.logits(Tensor(ids.map(Int64.init), shape: [1, ids.count])) }
            try FuzzRun.check(logits.shape.dims == [1, ids.count, model.vocabularySize], "logits shape \(logits.shape)")
        }
        #expect(summary.passed, "\(summary.report)")
        #expect(summary.errors > 0 && summary.successes > 0)
    }

    @Test("GPT checkpoint directory")
    func gpt() throws {
        let vocabulary = CharacterTokenizer(corpus: "hello world\n").vocabularySize
        try fuzz(.gpt(GPT(GPT.Config(vocabularySize: vocabulary, context: 8, layers: 1, heads: 2, width: 8))),
                 "LM checkpoint (GPT)", seed: 0x19C)
    }

    @Test("LSTM checkpoint directory")
    func lstm() throws {
        let vocabulary = CharacterTokenizer(corpus: "hello world\n").vocabularySize
        try fuzz(.lstm(LSTMLanguageModel(LSTMLanguageModel.Config(vocabularySize: vocabulary, embedding: 6, hidden: 8, layers: 1))),
                 "LM checkpoint (LSTM)", seed: 0x15C)
    }
}

/// Found by the fuzz test: a config whose width was edited from 8 to 4096 passed validation and
/// built a 200-million-parameter GPT (40 s, 1 GB) before the weights were found not to fit.
@Test("a config far larger than the stored weights fails before the model is built")
func oversizedConfigFailsFast() throws {
    let scratch = try FuzzDirectory("lm-oversized")
    let tokenizer = CharacterTokenizer(corpus: "hello world\n")
    let gpt = GPT(GPT.Config(vocabularySize: tokenizer.vocabularySize, context: 8, layers: 1, heads: 2, width: 8))
    try LanguageModelCheckpoint.save(.gpt(gpt), tokenizer: tokenizer, to: scratch.path)
    let path = scratch.path + "/model.safetensors"
    var (tensors, metadata) = try SafeTensors.load(path: path)
    metadata["config"] = metadata["config"]!.replacingOccurrences(of: "\"width\":8", with: "\"width\":4096")
    try SafeTensors.save(tensors, metadata: metadata, to: path)
    tensors.removeAll()
    let start = Date()
    let error = #expect(throws: ConfigError.self) { try LanguageModelCheckpoint.load(directory: scratch.path) }
    #expect(error?.description.contains("stores only") == true, "\(String(describing: error))")
    #expect(Date().timeIntervalSince(start) < 2)
}
