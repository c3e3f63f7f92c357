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
        let tensors = try Self.huggingFaceTensors(directory: dir)

        func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
            guard let (entry, path) = tensors[name] else {
                throw ModelFileError(path: dir, key: name, "tensor missing from the safetensors files")
            }
            guard entry.shape == shape else {
                throw ModelFileError(path: path, key: name, "shape \(entry.shape) does not fit the config: expected \(shape)")
            }
            let t = try entry.tensor(key: name, path: path)
            guard t.dtype.isFloatingPoint else {
                throw ModelFileError(path: path, key: name, "dtype \(entry.dtype) is not a floating-point type")
            }
            return t.dtype == .float32 ? t : t.cast(to: .float32)
        }
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

    /// Every tensor of the folder, with the file it came from.
    private static func huggingFaceTensors(directory dir: String) throws -> [String: (SafeTensorsEntry, String)] {
        let single = dir + "/model.safetensors", index = dir + "/model.safetensors.index.json"
        var files: [String]
        if FileManager.default.fileExists(atPath: single) {
            files = [single]
        } else if FileManager.default.fileExists(atPath: index) {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: index)) } catch {
                throw ModelFileError(path: index, "cannot read: \(error.localizedDescription)")
            }
            struct Index: Decodable { var weight_map: [String: String] }
            guard let map = try? JSONDecoder().decode(Index.self, from: data).weight_map else {
                throw ModelFileError(path: index, key: "weight_map", "expected an object of tensor name -> shard file name")
            }
            let shards = Set(map.values)
            for shard in shards where shard.contains("/") || shard.hasPrefix(".") {
                throw ModelFileError(path: index, key: "weight_map", "shard \(shard.debugDescription) is not a file name in the folder")
            }
            files = shards.sorted().map { dir + "/" + $0 }
        } else {
            throw ModelFileError(path: dir, "no model.safetensors (or model.safetensors.index.json) here")
        }
        var tensors: [String: (SafeTensorsEntry, String)] = [:]
        for file in files {
            for (name, entry) in try SafeTensors.read(path: file).tensors {
                guard tensors[name] == nil else { throw ModelFileError(path: file, key: name, "tensor appears in two shards") }
                tensors[name] = (entry, file)
            }
        }
        return tensors
    }

    /// The fields of `config.json` a Llama needs, validated.
    static func huggingFaceConfig(path: String) throws -> Config {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelFileError(path: path, "cannot read: \(error.localizedDescription)")
        }
        let file: HuggingFaceLlamaConfig
        do { file = try JSONDecoder().decode(HuggingFaceLlamaConfig.self, from: data) } catch let error as DecodingError {
            throw ModelFileError(path: path, key: error.keyPath, error.reason)
        } catch let error as ModelFileError {
            throw ModelFileError(path: path, key: error.key, error.message)
        }
        let keys = Config.Keys.huggingFace
        let config = Config(vocabularySize: file.vocab_size, context: file.max_position_embeddings,
                            layers: file.num_hidden_layers, width: file.hidden_size,
                            hiddenWidth: file.intermediate_size, heads: file.num_attention_heads,
                            kvHeads: file.num_key_value_heads ?? file.num_attention_heads,
                            ropeBase: file.rope_theta ?? 10_000, ropePairing: .halves,
                            rmsEpsilon: file.rms_norm_eps ?? 1e-6, tiedOutput: file.tie_word_embeddings ?? false)
        try config.validate(path: path, keys: keys)
        if let headDim = file.head_dim, headDim != config.headWidth {
            throw ModelFileError(path: path, key: "head_dim", "\(headDim) differs from hidden_size / num_attention_heads = \(config.headWidth); not supported")
        }
        return config
    }
}

/// `config.json` of a Hugging Face Llama: the keys Strata reads, and those whose presence
/// changes the model in ways it does not support (checked in `init(from:)`).
private struct HuggingFaceLlamaConfig: Decodable {
    var vocab_size: Int
    var max_position_embeddings: Int
    var num_hidden_layers: Int
    var hidden_size: Int
    var intermediate_size: Int
    var num_attention_heads: Int
    var num_key_value_heads: Int?
    var head_dim: Int?
    var rope_theta: Double?
    var rms_norm_eps: Double?
    var tie_word_embeddings: Bool?

    enum CodingKeys: String, CodingKey {
        case vocab_size, max_position_embeddings, num_hidden_layers, hidden_size, intermediate_size
        case num_attention_heads, num_key_value_heads, head_dim, rope_theta, rms_norm_eps, tie_word_embeddings
        case model_type, hidden_act, rope_scaling, attention_bias, mlp_bias
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocab_size = try c.decode(Int.self, forKey: .vocab_size)
        max_position_embeddings = try c.decode(Int.self, forKey: .max_position_embeddings)
        num_hidden_layers = try c.decode(Int.self, forKey: .num_hidden_layers)
        hidden_size = try c.decode(Int.self, forKey: .hidden_size)
        intermediate_size = try c.decode(Int.self, forKey: .intermediate_size)
        num_attention_heads = try c.decode(Int.self, forKey: .num_attention_heads)
        num_key_value_heads = try c.decodeIfPresent(Int.self, forKey: .num_key_value_heads)
        head_dim = try c.decodeIfPresent(Int.self, forKey: .head_dim)
        rope_theta = try c.decodeIfPresent(Double.self, forKey: .rope_theta)
        rms_norm_eps = try c.decodeIfPresent(Double.self, forKey: .rms_norm_eps)
        tie_word_embeddings = try c.decodeIfPresent(Bool.self, forKey: .tie_word_embeddings)
        if let type = try c.decodeIfPresent(String.self, forKey: .model_type), type != "llama" {
            throw ModelFileError(path: "", key: "model_type", "\(type.debugDescription) is not a Llama (expected \"llama\")")
        }
        if let act = try c.decodeIfPresent(String.self, forKey: .hidden_act), act != "silu" {
            throw ModelFileError(path: "", key: "hidden_act", "\(act.debugDescription) is not supported (only \"silu\")")
        }
        if c.contains(.rope_scaling), try !c.decodeNil(forKey: .rope_scaling) {
            throw ModelFileError(path: "", key: "rope_scaling", "rope scaling is not supported")
        }
        for key in [CodingKeys.attention_bias, .mlp_bias] where try c.decodeIfPresent(Bool.self, forKey: key) == true {
            throw ModelFileError(path: "", key: key.rawValue, "biases are not supported")
        }
    }
}

extension DecodingError {
    /// The dotted path of the key the error is about.
    var keyPath: String? {
        let path: [CodingKey]
        switch self {
        case let .typeMismatch(_, c), let .valueNotFound(_, c), let .dataCorrupted(c): path = c.codingPath
        case let .keyNotFound(key, c): path = c.codingPath + [key]
        @unknown default: return nil
        }
        return path.isEmpty ? nil : path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    /// What was wrong, in words.
    var reason: String {
        switch self {
        case let .typeMismatch(type, _): return "expected a value of type \(type)"
        case .valueNotFound: return "missing value"
        case .keyNotFound: return "missing key"
        case let .dataCorrupted(c): return c.debugDescription
        @unknown default: return "\(self)"
        }
    }
}
