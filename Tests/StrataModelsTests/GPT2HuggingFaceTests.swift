import Foundation
import Testing
import StrataCore
import StrataData
import StrataIO
import StrataModels
import StrataNN

// GPT with Hugging Face GPT-2's tensor names: a GPT-2 folder written by transformers'
// `save_pretrained` (Scripts/make_gpt2_fixture.py) loads and gives transformers' logits and greedy
// tokens; Strata's own checkpoints carry the same names, and checkpoints written with the names of
// format 1 (in_proj, out_proj, expand, project) still load.

private struct GPT2Reference: Decodable {
    struct Matrix: Decodable { var shape: [Int]; var values: [Double] }
    var ids: [Int]
    var logits: Matrix
    var greedy: [Int]
}

@Suite("GPT: Hugging Face GPT-2 names and folders")
struct GPT2HuggingFaceTests {
    let folder = LlamaFixtures.path("tiny-gpt2")

    @Test("a transformers GPT-2 folder loads and gives its logits within 1e-4")
    func logits() throws {
        let gpt = try GPT(huggingFaceDirectory: folder)
        let reference = try LlamaFixtures.decode(GPT2Reference.self, from: "tiny_gpt2_reference.json")
        #expect(gpt.config == GPT.Config(vocabularySize: 262, context: 32, layers: 2, heads: 4, width: 32))
        let logits = gpt(Tensor(reference.ids.map(Int64.init), shape: [1, reference.ids.count]))
        #expect(logits.shape == Shape([1] + reference.logits.shape))
        let error = llamaMaxRelativeError(logits.floats, reference.logits.values)
        #expect(error < 1e-4, "max relative error \(error)")
    }

    @Test("greedy decoding of the folder, through the checkpoint loader, gives transformers' tokens")
    func greedy() throws {
        let (model, tokenizer, metadata) = try LanguageModelCheckpoint.load(directory: folder)
        let reference = try LlamaFixtures.decode(GPT2Reference.self, from: "tiny_gpt2_reference.json")
        #expect(metadata["source"] == "huggingface" && tokenizer.vocabularySize == 262)
        #expect(try tokenizer.decode(Array(reference.ids.prefix(7))) == "The cat")
        let decoder = model.decoder()
        var sampler = TokenSampler(temperature: 0)
        var logits = decoder.nextLogits(after: reference.ids)
        var tokens: [Int] = []
        for _ in reference.greedy {
            tokens.append(sampler.sample(logits))
            logits = decoder.nextLogits(after: [tokens.last!])
        }
        #expect(tokens == reference.greedy)
    }

    @Test("Strata's GPT state dict has GPT-2's keys")
    func keys() {
        let keys = Set(GPT(GPT.Config(vocabularySize: 8, context: 4, layers: 1, heads: 1, width: 4)).stateDict().keys)
        #expect(keys == ["wte.weight", "wpe.weight", "h.0.ln_1.weight", "h.0.ln_1.bias", "h.0.attn.c_attn.weight",
                         "h.0.attn.c_attn.bias", "h.0.attn.c_proj.weight", "h.0.attn.c_proj.bias", "h.0.ln_2.weight",
                         "h.0.ln_2.bias", "h.0.mlp.c_fc.weight", "h.0.mlp.c_fc.bias", "h.0.mlp.c_proj.weight",
                         "h.0.mlp.c_proj.bias", "ln_f.weight", "ln_f.bias"])
    }

    /// Format 1's keys for a GPT-2 key: what checkpoints written before the rename hold.
    private func formatOneKey(_ key: String) -> String {
        key.replacingOccurrences(of: ".attn.c_attn.", with: ".attn.in_proj.")
            .replacingOccurrences(of: ".attn.c_proj.", with: ".attn.out_proj.")
            .replacingOccurrences(of: ".mlp.c_fc.", with: ".mlp.expand.")
            .replacingOccurrences(of: ".mlp.c_proj.", with: ".mlp.project.")
    }

    /// Rewrites `directory`'s weights with format 1's keys and header (no format_version).
    private func rewriteAsFormatOne(_ directory: String) throws {
        let path = directory + "/" + LanguageModelCheckpoint.weightsFile
        var (entries, metadata) = try SafeTensors.read(path: path)
        metadata.removeValue(forKey: "format_version")
        let renamed = Dictionary(uniqueKeysWithValues: entries.map { (formatOneKey($0.key), $0.value) })
        #expect(renamed.keys.contains("h.0.attn.in_proj.weight") || renamed.keys.contains("h.0.attn.in_proj.weight.q8"))
        try SafeTensors.write(renamed, metadata: metadata, to: path)
    }

    @Test("a checkpoint with format 1's keys still loads, float32 and int8", arguments: [false, true])
    func formatOne(quantized: Bool) throws {
        let directory = NSTemporaryDirectory() + "strata-gpt-format1-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let gpt = try GPT(huggingFaceDirectory: folder)
        let tokenizer = try GPT2Tokenizer(directory: folder)
        if quantized {
            let spec = try QuantizationSpec(scheme: "int8")
            let packed = try ModelQuantization.quantize(gpt, spec: spec)
            try LanguageModelCheckpoint.save(.gpt(gpt), tokenizer: tokenizer, to: directory,
                                             metadata: spec.metadata, weights: packed.entries)
        } else {
            try LanguageModelCheckpoint.save(.gpt(gpt), tokenizer: tokenizer, to: directory)
        }
        let ids = Tensor((0..<9).map { Int64($0 * 29 % 262) }, shape: [1, 9])
        let expected = try LanguageModelCheckpoint.load(directory: directory).model.logits(ids).floats
        try rewriteAsFormatOne(directory)
        let loaded = try LanguageModelCheckpoint.load(directory: directory)
        #expect(loaded.metadata["format_version"] == nil)
        #expect(loaded.model.logits(ids).floats == expected)
    }

    @Test("a state dict with a key in both spellings keeps the current one")
    func bothSpellings() throws {
        let block = TransformerBlock(width: 4, heads: 1)
        let current = Tensor.ones([12]), former = Tensor.zeros([12])
        let renamed = block.renamingFormerKeys(["attn.c_attn.bias": current, "attn.in_proj.bias": former, "ln_1.bias": former])
        #expect(renamed.count == 2)
        #expect(renamed["attn.c_attn.bias"]?.floats == current.floats)
        #expect(renamed["ln_1.bias"] != nil)
    }

    @Test("config.json settings that GPT-2 in Strata does not have are errors naming the key",
          arguments: [("\"activation_function\": \"gelu_new\"", "\"activation_function\": \"relu\"", "activation_function"),
                      ("\"layer_norm_epsilon\": 1e-05", "\"layer_norm_epsilon\": 1e-06", "layer_norm_epsilon"),
                      ("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false", "tie_word_embeddings"),
                      ("\"n_head\": 4", "\"n_head\": 3", "n_embd"),
                      ("\"n_layer\": 2", "\"n_layer\": 3", "h.2"),
                      ("\"n_embd\": 32", "\"n_embd\": 4096", "asks for about")])
    func badConfig(original: String, replacement: String, key: String) throws {
        let directory = NSTemporaryDirectory() + "strata-gpt2-bad-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["model.safetensors", "vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(atPath: folder + "/" + name, toPath: directory + "/" + name)
        }
        let config = try String(contentsOfFile: folder + "/config.json", encoding: .utf8)
        #expect(config.contains(original))
        try config.replacingOccurrences(of: original, with: replacement).write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        do {
            _ = try GPT(huggingFaceDirectory: directory)
            Issue.record("loaded a folder with \(replacement)")
        } catch {
            #expect("\(error)".contains(key), "\(error)")
        }
    }
}
