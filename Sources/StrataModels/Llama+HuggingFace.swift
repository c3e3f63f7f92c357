import Foundation
import StrataCore
import StrataIO

extension Llama {
    /// Loads a Hugging Face `LlamaForCausalLM` folder: `config.json` and `model.safetensors`
    /// (or the shards that `model.safetensors.index.json` lists), with the names
    /// `model.embed_tokens.weight`, `model.layers.N.self_attn.q_proj.weight`, ...,
    /// `model.norm.weight` and `lm_head.weight` (absent when `tie_word_embeddings`).
    /// Hugging Face rotates the halves of each head (``RotaryPairing/halves``). Weights are held
    /// as float32 (F32, F16 and BF16 files load).
    ///
    /// Errors name the file and the key: a missing or mistyped config value, a size out of range,
    /// an unsupported feature (rope scaling, biases, another activation), a missing tensor or one
    /// whose shape does not fit the config.
    ///
    /// ```swift
    /// let model = try Llama(huggingFaceDirectory: "Models/SmolLM2-135M-Instruct")
    /// ```
    public convenience init(huggingFaceDirectory directory: String) throws {
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let configPath = dir + "/config.json"
        let config = try Self.huggingFaceConfig(path: configPath)
        let folder = try HuggingFaceFolder(directory: dir)
        let tensor = folder.tensor
        func matrix(_ name: String, _ rows: Int, _ columns: Int) throws -> LinearWeights {
            DenseWeights(try tensor(name, [rows, columns]))
        }
        let (c, d, f) = (config.width, config.headWidth, config.hiddenWidth)
        let blocks = try (0..<config.layers).map { i -> Block in
            let p = "model.layers.\(i)."
            return Block(
                attentionNorm: try tensor(p + "input_layernorm.weight", [c]),
                query: try matrix(p + "self_attn.q_proj.weight", config.heads * d, c),
                key: try matrix(p + "self_attn.k_proj.weight", config.kvHeads * d, c),
                value: try matrix(p + "self_attn.v_proj.weight", config.kvHeads * d, c),
                output: try matrix(p + "self_attn.o_proj.weight", c, config.heads * d),
                feedForwardNorm: try tensor(p + "post_attention_layernorm.weight", [c]),
                gate: try matrix(p + "mlp.gate_proj.weight", f, c),
                up: try matrix(p + "mlp.up_proj.weight", f, c),
                down: try matrix(p + "mlp.down_proj.weight", c, f))
        }
        self.init(config: config,
                  embedding: try matrix("model.embed_tokens.weight", config.vocabularySize, c),
                  blocks: blocks,
                  finalNorm: try tensor("model.norm.weight", [c]),
                  head: config.tiedOutput ? nil : try matrix("lm_head.weight", config.vocabularySize, c))
    }

    /// The fields of `config.json` a Llama needs, validated. Keys whose values would change the
    /// model in ways not supported here (rope scaling, biases, another activation, a head width
    /// other than hidden_size / heads) are errors rather than ignored.
    static func huggingFaceConfig(path: String) throws -> Config {
        let root = try JSONDocument(path: path, maximumBytes: 1 << 20).root
        if let type = try root.optionalMember("model_type"), try type.string() != "llama" {
            throw type.error("\(try type.string().debugDescription) is not a Llama (expected \"llama\")")
        }
        if let act = try root.optionalMember("hidden_act"), try act.string() != "silu" {
            throw act.error("\(try act.string().debugDescription) is not supported (only \"silu\")")
        }
        if let scaling = try root.optionalMember("rope_scaling") {
            throw scaling.error("rope scaling is not supported")
        }
        for key in ["attention_bias", "mlp_bias"] {
            if let bias = try root.optionalMember(key), try bias.bool() { throw bias.error("biases are not supported") }
        }
        let heads = try root.member("num_attention_heads").int()
        let config = Config(
            vocabularySize: try root.member("vocab_size").int(), context: try root.member("max_position_embeddings").int(),
            layers: try root.member("num_hidden_layers").int(), width: try root.member("hidden_size").int(),
            hiddenWidth: try root.member("intermediate_size").int(), heads: heads,
            kvHeads: try root.optionalMember("num_key_value_heads")?.int() ?? heads,
            ropeBase: try root.optionalMember("rope_theta")?.double() ?? 10_000, ropePairing: .halves,
            rmsEpsilon: try root.optionalMember("rms_norm_eps")?.double() ?? 1e-6,
            tiedOutput: try root.optionalMember("tie_word_embeddings")?.bool() ?? false)
        try config.validate(source: path, keys: .huggingFace)
        if let headDim = try root.optionalMember("head_dim"), try headDim.int() != config.headWidth {
            throw headDim.error("\(try headDim.int()) differs from hidden_size / num_attention_heads = \(config.headWidth); not supported")
        }
        return config
    }
}
