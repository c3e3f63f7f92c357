import Foundation
import StrataCore

/// A Llama-family decoder (Touvron et al. 2023: LLaMA and Llama 2), for inference: token
/// embeddings, a stack of pre-norm blocks, a final RMSNorm and an output head.
///
/// Each block is
///
///     h = x + Wo · attention(rope(Wq · n), rope(Wk · n), Wv · n)      n = RMSNorm(x)
///     y = h + Wdown · (silu(Wgate · m) ∘ (Wup · m))                   m = RMSNorm(h)
///
/// with RMSNorm (Zhang & Sennrich 2019), rotary position embeddings (Su et al. 2021), the
/// SwiGLU feed-forward (Shazeer 2020) and grouped-query attention (Ainslie et al. 2023): the
/// query heads share `kvHeads` key/value heads, query head h reading kv head h / (heads / kvHeads).
/// The output head may be tied to the embedding (SmolLM2) or separate.
///
/// Weights are ``LinearWeights``: float32 matrices, or quantised blocks straight from a GGUF
/// file. Load one with `Llama(huggingFaceDirectory:)` or `Llama(gguf:)`.
///
/// ```swift
/// let model = try Llama(huggingFaceDirectory: "Models/tiny-llama")
/// let logits = model.logits([1, 17, 42])            // [3, vocabulary]
/// let cache = Llama.Cache(model.config)
/// _ = model.logits([1, 17], cache: cache)            // prompt
/// let next = model.logits([42], cache: cache)        // one more position, [1, vocabulary]
/// ```
public final class Llama: @unchecked Sendable {
    // @unchecked Sendable: nothing is written after init; a Cache is per caller.

    /// Which elements of a head the rotary embedding rotates together.
    public enum RotaryPairing: String, Sendable, Equatable {
        /// Pairs (2i, 2i+1): the original LLaMA code and GGUF files (llama.cpp's converter
        /// permutes Hugging Face's query and key rows into this order).
        case adjacent
        /// Pairs (i, i + d/2), "rotate_half": Hugging Face's Llama and GPT-NeoX.
        case halves
    }

    /// The shape of a Llama model.
    public struct Config: Sendable, Equatable {
        /// Tokens in the vocabulary: the rows of the embedding and of the output head.
        public var vocabularySize: Int
        /// The longest sequence the model was trained for (positions 0..<context).
        public var context: Int
        /// The number of transformer blocks.
        public var layers: Int
        /// The residual stream's width (embedding length).
        public var width: Int
        /// The feed-forward's inner width.
        public var hiddenWidth: Int
        /// Query heads.
        public var heads: Int
        /// Key/value heads (grouped-query attention when fewer than `heads`).
        public var kvHeads: Int
        /// The rotary base θ (10,000 in LLaMA; 100,000 in SmolLM2).
        public var ropeBase: Double
        /// Which elements the rotary embedding rotates together (default `.halves`, Hugging Face's order).
        public var ropePairing: RotaryPairing
        /// The epsilon of every RMSNorm (default 1e-5).
        public var rmsEpsilon: Double
        /// Whether the output head is the token embedding (no separate matrix).
        public var tiedOutput: Bool

        /// A config; `ropeBase` defaults to 10,000, `rmsEpsilon` to 1e-5, and the output head is separate
        /// unless `tiedOutput`.
        public init(vocabularySize: Int, context: Int, layers: Int, width: Int, hiddenWidth: Int, heads: Int,
                    kvHeads: Int, ropeBase: Double = 10_000, ropePairing: RotaryPairing = .halves,
                    rmsEpsilon: Double = 1e-5, tiedOutput: Bool = false) {
            self.vocabularySize = vocabularySize; self.context = context; self.layers = layers
            self.width = width; self.hiddenWidth = hiddenWidth; self.heads = heads; self.kvHeads = kvHeads
            self.ropeBase = ropeBase; self.ropePairing = ropePairing; self.rmsEpsilon = rmsEpsilon
            self.tiedOutput = tiedOutput
        }

        /// The width of one attention head.
        public var headWidth: Int { width / heads }
    }

    /// One transformer block's weights.
    public struct Block: Sendable {
        /// The RMSNorm weight before attention `[C]`.
        public var attentionNorm: Tensor              // [C]
        /// The query projection `[H·D, C]`.
        public var query: LinearWeights               // [H·D, C]
        /// The key projection `[Hkv·D, C]`.
        public var key: LinearWeights                 // [Hkv·D, C]
        /// The value projection `[Hkv·D, C]`.
        public var value: LinearWeights               // [Hkv·D, C]
        /// The attention output projection `[C, H·D]`.
        public var output: LinearWeights              // [C, H·D]
        /// The RMSNorm weight before the feed-forward `[C]`.
        public var feedForwardNorm: Tensor            // [C]
        /// The SwiGLU gate projection `[F, C]` (through SiLU).
        public var gate: LinearWeights                // [F, C]
        /// The SwiGLU up projection `[F, C]`.
        public var up: LinearWeights                  // [F, C]
        /// The feed-forward's down projection `[C, F]`.
        public var down: LinearWeights                // [C, F]

        /// A block from its weights (shapes as documented on each property).
        public init(attentionNorm: Tensor, query: LinearWeights, key: LinearWeights, value: LinearWeights,
                    output: LinearWeights, feedForwardNorm: Tensor, gate: LinearWeights, up: LinearWeights,
                    down: LinearWeights) {
            self.attentionNorm = attentionNorm; self.query = query; self.key = key; self.value = value
            self.output = output; self.feedForwardNorm = feedForwardNorm; self.gate = gate; self.up = up
            self.down = down
        }
    }

    /// The shape of this model.
    public let config: Config
    /// The token embedding `[vocabulary, C]`.
    public let embedding: LinearWeights
    /// The transformer blocks, first to last.
    public let blocks: [Block]
    /// The RMSNorm weight after the last block `[C]`.
    public let finalNorm: Tensor                      // [C]
    /// The output head `[vocabulary, C]`: the embedding itself when `config.tiedOutput`.
    public let head: LinearWeights
    let rotary: RotaryTable

    /// A model from its weights. The shapes must fit `config` (loaders check them and throw;
    /// here a mismatch is a programmer error). `head` is nil when the output is tied.
    public init(config: Config, embedding: LinearWeights, blocks: [Block], finalNorm: Tensor, head: LinearWeights?) {
        let (c, d, f) = (config.width, config.headWidth, config.hiddenWidth)
        ensure(config.width % config.heads == 0 && config.heads % config.kvHeads == 0 && d % 2 == 0,
               "Llama: width \(c), \(config.heads) heads and \(config.kvHeads) kv heads do not fit together")
        func check(_ w: LinearWeights, _ rows: Int, _ columns: Int, _ name: String) {
            ensure(w.rows == rows && w.columns == columns, "Llama: \(name) is [\(w.rows), \(w.columns)], expected [\(rows), \(columns)]")
        }
        check(embedding, config.vocabularySize, c, "the embedding")
        ensure(blocks.count == config.layers, "Llama: \(blocks.count) blocks for \(config.layers) layers")
        for (i, b) in blocks.enumerated() {
            check(b.query, config.heads * d, c, "block \(i) query")
            check(b.key, config.kvHeads * d, c, "block \(i) key")
            check(b.value, config.kvHeads * d, c, "block \(i) value")
            check(b.output, c, config.heads * d, "block \(i) output")
            check(b.gate, f, c, "block \(i) gate")
            check(b.up, f, c, "block \(i) up")
            check(b.down, c, f, "block \(i) down")
            ensure(b.attentionNorm.shape == Shape([c]) && b.feedForwardNorm.shape == Shape([c]), "Llama: block \(i) norms must be [\(c)]")
        }
        ensure(finalNorm.shape == Shape([c]), "Llama: the final norm must be [\(c)]")
        ensure((head == nil) == config.tiedOutput, "Llama: give a head exactly when the output is not tied")
        if let head { check(head, config.vocabularySize, c, "the head") }
        self.config = config
        self.embedding = embedding
        self.blocks = blocks
        self.finalNorm = finalNorm.dtype == .float32 ? finalNorm : finalNorm.cast(to: .float32)
        self.head = head ?? embedding
        rotary = RotaryTable(headWidth: d, base: config.ropeBase, pairing: config.ropePairing)
    }

    /// Final hidden states `[T, C]` (after the last RMSNorm) of `ids`, which continue the
    /// positions already in `cache` (when nil, a float32 cache used once: exact, and kept no
    /// longer than the call). The cache takes their keys and values. (One sequence of
    /// ``hiddenStates(_:caches:)``, which runs several at once.)
    public func hiddenStates(_ ids: [Int], cache: Cache? = nil) -> Tensor {
        hiddenStates([ids], caches: [cache ?? Cache(config, dtype: .float32)])
    }

    /// Next-token logits `[T, vocabulary]` at every position of `ids` (see `hiddenStates`).
    public func logits(_ ids: [Int], cache: Cache? = nil) -> Tensor {
        logits(hidden: hiddenStates(ids, cache: cache))
    }

    /// The output head applied to hidden states `[n, C]`: logits `[n, vocabulary]`.
    public func logits(hidden: Tensor) -> Tensor {
        withoutGradients { head(hidden) }
    }
}
