import Foundation
import StrataCore
import StrataIO

extension GPT {
    /// Loads a Hugging Face GPT-2 folder (`GPT2LMHeadModel` or `GPT2Model`): `config.json` and
    /// `model.safetensors` (or its shards). Strata's GPT is GPT-2's architecture and uses its
    /// tensor names (`wte`, `wpe`, `h.N.ln_1`, `h.N.attn.c_attn`, `h.N.attn.c_proj`, `h.N.ln_2`,
    /// `h.N.mlp.c_fc`, `h.N.mlp.c_proj`, `ln_f`), with or without the `transformer.` prefix that
    /// `GPT2LMHeadModel` adds. GPT-2 stores its projections as `Conv1D` weights `[in, out]`; they
    /// are transposed into `Linear`'s `[out, in]` here. The causal-mask buffers (`attn.bias`,
    /// `attn.masked_bias`) are skipped, and `lm_head.weight` must be the tied token embedding.
    ///
    /// Errors name the file and the key: a missing or mistyped config value, a setting this model
    /// does not have (another activation or epsilon, untied output, cross-attention), a missing
    /// tensor, an unexpected one, or a shape that does not fit the config.
    ///
    /// ```swift
    /// let gpt2 = try GPT(huggingFaceDirectory: "Models/gpt2")      // config.json + model.safetensors
    /// let logits = gpt2(Tensor([Int64(15496), 11, 995], shape: [1, 3]))   // [1, 3, 50257]
    /// ```
    public convenience init(huggingFaceDirectory directory: String) throws {
        let folder = try HuggingFaceFolder(directory: directory)
        let configPath = folder.directory + "/config.json"
        let config = try Self.huggingFaceConfig(path: configPath)
        // Before anything is allocated: a config edited to ask for far more weights than the files hold.
        try ConfigCheck(source: configPath).parameters(config.parameterEstimate,
                                                       storedValues: folder.tensors.values.reduce(0) { $0 + $1.0.elementCount }, key: "n_embd")
        self.init(config)
        // Strata's keys are GPT-2's; the file may prefix them with "transformer.".
        var byKey: [String: String] = [:]
        for name in folder.tensors.keys {
            let key = name.hasPrefix("transformer.") ? String(name.dropFirst("transformer.".count)) : name
            if key.hasSuffix(".attn.bias") || key.hasSuffix(".attn.masked_bias") || key == "lm_head.weight" { continue }
            guard byKey[key] == nil else {
                throw FileError(path: folder.directory, key: name, "stored both with and without the 'transformer.' prefix")
            }
            byKey[key] = name
        }
        let conv1D = Set(["attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"])
        var state: [String: Tensor] = [:]
        for (key, own) in namedTensors() {
            guard let name = byKey.removeValue(forKey: key) else {
                throw FileError(path: folder.directory, key: key, "tensor missing from the safetensors files")
            }
            let dims = own.shape.dims
            let transposed = dims.count == 2 && conv1D.contains(where: { key.hasSuffix("." + $0) })
            // [in, out] in the file, [out, in] here.
            state[key] = transposed ? try folder.tensor(name, [dims[1], dims[0]]).transposed()
                                    : try folder.tensor(name, dims)
        }
        if let extra = byKey.keys.sorted().first {
            throw FileError(path: folder.directory, key: byKey[extra]!, "unexpected tensor: GPT-2 with this config has no such weight")
        }
        if let head = folder.tensors["lm_head.weight"] {
            let stored = try folder.tensor("lm_head.weight", [config.vocabularySize, config.width])
            guard stored.floats == state["wte.weight"]?.floats else {
                throw FileError(path: head.1, key: "lm_head.weight", "differs from the token embedding; only a tied output head is supported")
            }
        }
        try loadStateDict(state)
        train(false)
    }

    /// The fields of a GPT-2 `config.json`, validated; settings that would change the model in
    /// ways Strata's GPT does not have are errors rather than ignored.
    static func huggingFaceConfig(path: String) throws -> Config {
        let root = try JSONDocument(path: path, maximumBytes: 1 << 20).root
        if let type = try root.optionalMember("model_type"), try type.string() != "gpt2" {
            throw type.error("\(try type.string().debugDescription) is not GPT-2 (expected \"gpt2\")")
        }
        // GPT-2's "gelu_new" is the tanh form that FeedForward computes.
        if let act = try root.optionalMember("activation_function"), !["gelu_new", "gelu_pytorch_tanh"].contains(try act.string()) {
            throw act.error("\(try act.string().debugDescription) is not supported (only \"gelu_new\", GELU's tanh form)")
        }
        if let epsilon = try root.optionalMember("layer_norm_epsilon"), abs(try epsilon.double() - 1e-5) > 1e-12 {
            throw epsilon.error("\(try epsilon.double()) is not supported (Strata's LayerNorm uses 1e-5, as GPT-2)")
        }
        for key in ["add_cross_attention", "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn"] {
            if let flag = try root.optionalMember(key), try flag.bool() { throw flag.error("\(key) is not supported") }
        }
        if let tied = try root.optionalMember("tie_word_embeddings"), try !tied.bool() {
            throw tied.error("an untied output head is not supported (GPT-2 ties it to wte)")
        }
        let width = try root.member("n_embd").int()
        if let inner = try root.optionalMember("n_inner"), !inner.isNull, try inner.int() != 4 * width {
            throw inner.error("\(try inner.int()) is not supported (the MLP is 4 * n_embd = \(4 * width) wide)")
        }
        let check = ConfigCheck(source: path)
        let config = Config(vocabularySize: try root.member("vocab_size").int(),
                            context: try (root.optionalMember("n_positions") ?? root.member("n_ctx")).int(),
                            layers: try root.member("n_layer").int(), heads: try root.member("n_head").int(),
                            width: width, dropout: 0, bias: true)
        try check.int(config.vocabularySize, "vocab_size", in: 1...ConfigCheck.maxDimension)
        try check.int(config.context, "n_positions", in: 1...ConfigCheck.maxDimension)
        try check.int(config.layers, "n_layer", in: 1...1024)
        try check.int(config.heads, "n_head", in: 1...1024)
        try check.int(width, "n_embd", in: 1...65_536)
        try check.require(width % config.heads == 0, "n_embd", "\(width) is not a multiple of n_head \(config.heads)")
        try config.validate(source: path)
        return config
    }
}
