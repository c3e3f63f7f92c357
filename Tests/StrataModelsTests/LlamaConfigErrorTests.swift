import Foundation
import Testing
import StrataCore
import StrataModels

// A Llama's files are checked before anything is allocated: every error names the file and the
// key (config key or tensor name) and says what was expected.

@Suite("Llama: malformed files")
struct LlamaConfigErrorTests {
    /// The tiny model's folder copied to a temporary directory, its config.json edited by `edit`.
    private func folder(_ edit: (inout [String: Any]) -> Void, weights: Bool = true) throws -> LlamaTemporaryDirectory {
        let dir = try LlamaTemporaryDirectory()
        let source = LlamaFixtures.path("tiny-llama")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source + "/config.json"))) as! [String: Any]
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir.path + "/config.json"))
        if weights {
            try FileManager.default.copyItem(atPath: source + "/model.safetensors", toPath: dir.path + "/model.safetensors")
        }
        return dir
    }

    /// The error of loading the edited folder, as text.
    private func load(_ edit: (inout [String: Any]) -> Void, weights: Bool = true) throws -> String {
        let dir = try folder(edit, weights: weights)
        do {
            _ = try Llama(huggingFaceDirectory: dir.path)
        } catch {
            return "\(error)"
        }
        Issue.record("expected the load to fail")
        return ""
    }

    @Test("sizes that do not fit together name their key")
    func sizes() throws {
        let heads = try load { $0["num_attention_heads"] = 5 }
        #expect(heads.contains("config.json: config key 'num_attention_heads'") && heads.contains("divide"), "\(heads)")
        let kv = try load { $0["num_key_value_heads"] = 3 }
        #expect(kv.contains("'num_key_value_heads'"), "\(kv)")
        let zero = try load { $0["num_hidden_layers"] = 0 }
        #expect(zero.contains("'num_hidden_layers'") && zero.contains("found 0"), "\(zero)")
        let huge = try load { $0["vocab_size"] = 1 << 40 }
        #expect(huge.contains("'vocab_size'"), "\(huge)")
        let eps = try load { $0["rms_norm_eps"] = 0 }
        #expect(eps.contains("'rms_norm_eps'"), "\(eps)")
        let base = try load { $0["rope_theta"] = -1 }
        #expect(base.contains("'rope_theta'"), "\(base)")
        let odd = try load { $0["hidden_size"] = 36; $0["num_attention_heads"] = 12; $0["num_key_value_heads"] = 4 }
        #expect(odd.contains("odd"), "\(odd)")
        let big = try load { $0["hidden_size"] = 65_536; $0["intermediate_size"] = 500_000; $0["num_hidden_layers"] = 1000 }
        #expect(big.contains("parameters"), "\(big)")
    }

    @Test("missing, mistyped and unsupported config values")
    func values() throws {
        let missing = try load { $0.removeValue(forKey: "hidden_size") }
        #expect(missing.contains("config.json: key 'hidden_size'") && missing.contains("missing"), "\(missing)")
        let text = try load { $0["intermediate_size"] = "64" }
        #expect(text.contains("'intermediate_size'") && text.contains("integer"), "\(text)")
        let fraction = try load { $0["num_hidden_layers"] = 2.5 }
        #expect(fraction.contains("'num_hidden_layers'"), "\(fraction)")
        let scaling = try load { $0["rope_scaling"] = ["type": "linear", "factor": 2.0] }
        #expect(scaling.contains("'rope_scaling'"), "\(scaling)")
        let act = try load { $0["hidden_act"] = "gelu" }
        #expect(act.contains("'hidden_act'"), "\(act)")
        let type = try load { $0["model_type"] = "gpt2" }
        #expect(type.contains("'model_type'"), "\(type)")
        let headDim = try load { $0["head_dim"] = 16 }
        #expect(headDim.contains("'head_dim'"), "\(headDim)")
        let bias = try load { $0["attention_bias"] = true }
        #expect(bias.contains("'attention_bias'"), "\(bias)")
    }

    @Test("tensors that are missing or do not fit the config are named")
    func tensors() throws {
        let layers = try load { $0["num_hidden_layers"] = 3 }
        #expect(layers.contains("model.layers.2.") && layers.contains("missing"), "\(layers)")
        let width = try load { $0["intermediate_size"] = 48 }
        #expect(width.contains("mlp.gate_proj.weight") && width.contains("[48, 32]"), "\(width)")
    }

    @Test("with tie_word_embeddings the head is the embedding and lm_head is not read")
    func tied() throws {
        let dir = try folder { $0["tie_word_embeddings"] = true }
        let model = try Llama(huggingFaceDirectory: dir.path)
        #expect(model.config.tiedOutput && model.head === model.embedding)
    }

    @Test("a folder without weights says so")
    func noWeights() throws {
        let message = try load({ _ in }, weights: false)
        #expect(message.contains("model.safetensors"), "\(message)")
    }

    @Test("GGUF key names appear in errors about GGUF configs")
    func ggufKeys() {
        let config = Llama.Config(vocabularySize: 100, context: 64, layers: 2, width: 30, hiddenWidth: 64, heads: 4, kvHeads: 2)
        #expect(throws: ConfigError(source: "m.gguf", key: "llama.attention.head_count",
                                    message: "4 heads do not divide the width 30 (llama.embedding_length)")) {
            try config.validate(source: "m.gguf", keys: .gguf("llama"))
        }
    }
}
