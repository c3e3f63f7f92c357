import Foundation
import StrataCore
import StrataIO

/// Quantised GGUF weights serve a Llama as they are: products and embedding lookups dequantise
/// block by block, so the weights stay at the file's size in memory (mapped, not copied).
extension QuantizedMatrix: LinearWeights {
    /// `x·Wᵀ`: `[n, columns]` float32 to `[n, rows]`, dequantising block by block.
    public func callAsFunction(_ x: Tensor) -> Tensor { matmul(x) }

    /// Rows `ids` dequantised to float32 `[ids.count, columns]`; every id must be in 0..<rows.
    public func gatherRows(_ ids: [Int]) -> Tensor {
        ensure(ids.allSatisfy { (0..<rows).contains($0) }, "QuantizedMatrix: row ids outside 0..<\(rows)")
        let out = Tensor.empty([ids.count, columns])
        out.withUnsafeMutableBuffer(as: Float.self) { buffer in
            for (i, id) in ids.enumerated() { dequantizeRow(id, into: buffer.baseAddress! + i * columns) }
        }
        return out
    }
}

extension Llama {
    /// Loads a Llama-architecture GGUF file (`general.architecture` "llama", as llama.cpp writes
    /// Llama, Mistral-style and SmolLM models): the `llama.*` hyper-parameters, then
    /// `token_embd.weight`, `blk.N.{attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm,
    /// ffn_gate, ffn_up, ffn_down}.weight`, `output_norm.weight` and `output.weight` (absent when
    /// the head is tied to the embedding). Matrices stay in their GGML encoding (Q4_0, Q4_1, Q8_0,
    /// Q4_K, Q6_K, F16, BF16 or F32) and point into the mapped file; norms become float32.
    ///
    /// llama.cpp's converter permutes the query and key rows so that rotary embeddings turn
    /// adjacent pairs (``RotaryPairing/adjacent``), which is what this loader uses.
    ///
    /// Every size is checked (see ``Config/validate(source:keys:)``), and every tensor's type and
    /// shape against the config, before use; errors name the file and the key or tensor.
    ///
    /// ```swift
    /// let file = try GGUFFile(path: "Models/SmolLM2-135M-Instruct.Q4_1.gguf")
    /// let model = try Llama(gguf: file)
    /// ```
    public convenience init(gguf file: GGUFFile) throws {
        let path = file.path
        let arch = try file.requiredString("general.architecture")
        guard arch == "llama" else {
            throw FileError(path: path, key: "general.architecture", "\(arch.debugDescription) is not supported (only \"llama\")")
        }
        let keys = Config.Keys.gguf(arch)
        guard let embeddingInfo = file.tensor(named: "token_embd.weight") else {
            throw FileError(path: path, key: "token_embd.weight", "tensor missing")
        }
        let heads = try file.requiredInt(keys.heads)
        let vocabulary = try file.optionalInt(keys.vocabularySize)
            ?? (embeddingInfo.dimensions.count == 2 ? embeddingInfo.dimensions[1] : 0)
        let config = Config(
            vocabularySize: vocabulary, context: try file.requiredInt(keys.context),
            layers: try file.requiredInt(keys.layers), width: try file.requiredInt(keys.width),
            hiddenWidth: try file.requiredInt(keys.hiddenWidth), heads: heads,
            kvHeads: try file.optionalInt(keys.kvHeads) ?? heads,
            ropeBase: try file.optionalDouble(keys.ropeBase) ?? 10_000, ropePairing: .adjacent,
            rmsEpsilon: try file.requiredDouble(keys.rmsEpsilon),
            tiedOutput: file.tensor(named: "output.weight") == nil)
        try config.validate(source: path, keys: keys)
        if let rotated = try file.optionalInt("\(arch).rope.dimension_count"), rotated != config.headWidth {
            throw FileError(path: path, key: "\(arch).rope.dimension_count",
                                 "rotating \(rotated) of \(config.headWidth) head dimensions is not supported")
        }
        if let scaling = try file.optionalString("\(arch).rope.scaling.type"), scaling != "none" {
            throw FileError(path: path, key: "\(arch).rope.scaling.type", "rope scaling \(scaling.debugDescription) is not supported")
        }

        func info(_ name: String, _ dimensions: [Int]) throws -> GGUFTensorInfo {
            guard let info = file.tensor(named: name) else { throw FileError(path: path, key: name, "tensor missing") }
            guard info.dimensions == dimensions else {
                throw FileError(path: path, key: name, "dimensions \(info.dimensions) (ggml order) do not fit the config: expected \(dimensions)")
            }
            guard QuantizedMatrix.supportedTypes.contains(info.type) else {
                throw FileError(path: path, key: name, "type \(info.type) is not supported (supported: \(QuantizedMatrix.supportedTypes.map(\.description).joined(separator: ", ")))")
            }
            return info
        }
        /// A `[rows, columns]` matrix: ggml dimensions [columns, rows].
        func matrix(_ name: String, _ rows: Int, _ columns: Int) throws -> LinearWeights {
            let i = try info(name, [columns, rows])
            do {
                // Q4_0, Q4_1 and Q8_0 go into panels of 16 rows (a batch of sequences then costs
                // little more than one); the file's pages they came from leave memory as the copy
                // advances (the last stretch covers the whole tensor).
                let mapped = try QuantizedMatrix(type: i.type, rows: rows, columns: columns, bytes: file.bytes(of: i), owner: file.tensorDataOwner)
                return mapped.panelPacked { done in file.releasePages(of: i, bytes: done) }
            } catch {
                throw FileError(path: path, key: name, "\(error)")
            }
        }
        func vector(_ name: String, _ count: Int) throws -> Tensor {
            let i = try info(name, [count])
            do {
                return try QuantizedMatrix(type: i.type, rows: 1, columns: count, bytes: file.bytes(of: i), owner: file.tensorDataOwner)
                    .dequantized().reshaped([count])
            } catch {
                throw FileError(path: path, key: name, "\(error)")
            }
        }

        let (c, d, f) = (config.width, config.headWidth, config.hiddenWidth)
        let blocks = try (0..<config.layers).map { n -> Block in
            let p = "blk.\(n)."
            return Block(
                attentionNorm: try vector(p + "attn_norm.weight", c),
                query: try matrix(p + "attn_q.weight", config.heads * d, c),
                key: try matrix(p + "attn_k.weight", config.kvHeads * d, c),
                value: try matrix(p + "attn_v.weight", config.kvHeads * d, c),
                output: try matrix(p + "attn_output.weight", c, config.heads * d),
                feedForwardNorm: try vector(p + "ffn_norm.weight", c),
                gate: try matrix(p + "ffn_gate.weight", f, c),
                up: try matrix(p + "ffn_up.weight", f, c),
                down: try matrix(p + "ffn_down.weight", c, f))
        }
        self.init(config: config,
                  embedding: try matrix("token_embd.weight", config.vocabularySize, c),
                  blocks: blocks,
                  finalNorm: try vector("output_norm.weight", c),
                  head: config.tiedOutput ? nil : try matrix("output.weight", config.vocabularySize, c))
    }
}

extension GGUFTokenizer {
    /// The tokenizer of a GGUF file's `tokenizer.ggml.*` metadata (see the type's documentation).
    ///
    /// ```swift
    /// let tokenizer = try GGUFTokenizer(gguf: try GGUFFile(path: "Models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    /// ```
    public convenience init(gguf file: GGUFFile) throws {
        let types = file.metadata["tokenizer.ggml.token_type"] == nil ? nil : try file.intArray("tokenizer.ggml.token_type")
        let merges = file.metadata["tokenizer.ggml.merges"] == nil ? [] : try file.stringArray("tokenizer.ggml.merges")
        try self.init(model: try file.requiredString("tokenizer.ggml.model"),
                      pre: try file.optionalString("tokenizer.ggml.pre"),
                      tokens: try file.stringArray("tokenizer.ggml.tokens"), tokenTypes: types, merges: merges,
                      bosID: try file.optionalInt("tokenizer.ggml.bos_token_id"),
                      eosID: try file.optionalInt("tokenizer.ggml.eos_token_id"),
                      eotID: try file.optionalInt("tokenizer.ggml.eot_token_id"),
                      addsBOS: try file.optionalBool("tokenizer.ggml.add_bos_token") ?? false,
                      source: file.path)
    }
}

extension ChatTemplate {
    /// The chat template of a GGUF file (`tokenizer.chat_template`); throws when it has none or
    /// when it is not one Strata recognises.
    public init(gguf file: GGUFFile) throws {
        try self.init(template: try file.optionalString("tokenizer.chat_template"), of: file.path)
    }

    /// `template` as read from the model file at `path` (`tokenizer.chat_template`); throws
    /// when the file has none (nil) or when it is not one Strata recognises.
    ///
    /// ```swift
    /// let chat = try ChatTemplate(template: nil, of: "model.gguf")   // throws: no chat template
    /// ```
    public init(template: String?, of path: String) throws {
        guard let template else {
            throw ChatTemplateError(description: "\(path): the model has no chat template (tokenizer.chat_template)")
        }
        try self.init(template: template)
    }
}
