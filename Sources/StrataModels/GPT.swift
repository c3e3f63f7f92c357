import Foundation
import StrataCore
import StrataNN

/// A GPT decoder (Radford et al. 2018/2019, configured like nanoGPT): token and learned position
/// embeddings, a stack of pre-LayerNorm transformer blocks with causal self-attention, a final
/// LayerNorm, and an output head tied to the token embedding.
///
/// ```swift
/// let gpt = GPT(GPT.Config(vocabularySize: 65, context: 128, layers: 4, heads: 4, width: 128))
/// let logits = gpt(ids)     // ids: [B, T] int64 -> [B, T, 65]
/// ```
public final class GPT: Module {
    /// The shape of a GPT, as nanoGPT's `GPTConfig`.
    public struct Config: Codable, Sendable, Equatable {
        /// Tokens in the vocabulary: the rows of the token embedding and the width of the logits.
        public var vocabularySize: Int
        /// The longest sequence the model sees (block size).
        public var context: Int
        /// The number of transformer blocks (n_layer, default 4).
        public var layers: Int
        /// Attention heads per block (n_head, default 4); must divide `width`.
        public var heads: Int
        /// The embedding width (n_embd).
        public var width: Int
        /// The dropout probability of the embeddings and of each block's residual branches (default 0).
        public var dropout: Double
        /// Whether Linear and LayerNorm layers carry biases.
        public var bias: Bool

        /// A config; the defaults describe a small model (context 128, 4 layers, 4 heads, width 128,
        /// no dropout, with biases).
        public init(vocabularySize: Int, context: Int = 128, layers: Int = 4, heads: Int = 4, width: Int = 128,
                    dropout: Double = 0, bias: Bool = true) {
            self.vocabularySize = vocabularySize; self.context = context; self.layers = layers
            self.heads = heads; self.width = width; self.dropout = dropout; self.bias = bias
        }

        /// GPT-2 small: 12 layers, 12 heads, width 768, context 1024, GPT-2's vocabulary.
        public static let gpt2Small = Config(vocabularySize: 50_257, context: 1024, layers: 12, heads: 12, width: 768)
    }

    /// The shape this model was built with.
    public let config: Config
    /// The token embedding `[vocabularySize, width]` (key `wte`), also the output head.
    public let tokenEmbedding: Embedding
    /// The learned position embedding `[context, width]` (key `wpe`).
    public let positionEmbedding: LearnedPositionEmbedding
    /// The transformer blocks, first to last (key `h`).
    public let blocks: [TransformerBlock]
    /// The LayerNorm after the last block (key `ln_f`).
    public let finalNorm: LayerNorm
    let dropout: Dropout

    /// A GPT with GPT-2's initialisation: weights N(0, 0.02), biases zero, and the projections
    /// that write into the residual stream scaled down by √(2·layers).
    public init(_ config: Config) {
        ensure(config.width % config.heads == 0, "GPT: width \(config.width) is not divisible by \(config.heads) heads")
        self.config = config
        tokenEmbedding = Embedding(config.vocabularySize, config.width, initializer: .normal(std: 0.02))
        positionEmbedding = LearnedPositionEmbedding(context: config.context, width: config.width)
        blocks = (0..<config.layers).map { _ in
            TransformerBlock(width: config.width, heads: config.heads, dropout: config.dropout, bias: config.bias)
        }
        finalNorm = LayerNorm([config.width], bias: config.bias)
        dropout = Dropout(config.dropout)
        super.init()
        let residualStd = 0.02 / Foundation.sqrt(2 * Double(config.layers))
        for block in blocks {
            for linear in [block.attention.inProjection, block.attention.outProjection, block.feedForward.expand, block.feedForward.project] {
                let residual = linear === block.attention.outProjection || linear === block.feedForward.project
                linear.weight.fillNormal(std: residual ? residualStd : 0.02)   // in place: no temporary of the weight's size
                linear.bias?.assign(Tensor.zeros(linear.bias!.shape))
            }
        }
    }

    override public func key(for property: String) -> String {
        switch property {
        case "tokenEmbedding": "wte"
        case "positionEmbedding": "wpe"
        case "blocks": "h"
        case "finalNorm": "ln_f"
        default: super.key(for: property)
        }
    }

    /// Next-token logits `[B, T, vocabulary]` for token ids `[B, T]`, without a cache: the
    /// training forward that `Trainer` calls.
    override public func callAsFunction(_ ids: Tensor) -> Tensor { callAsFunction(ids, cache: nil) }

    /// Next-token logits `[B, T, vocabulary]` for token ids `[B, T]`. With a `cache`, the ids
    /// continue the cached positions (incremental decoding); the total must stay within `context`.
    public func callAsFunction(_ ids: Tensor, cache: KeyValueCache? = nil) -> Tensor {
        ensure(ids.rank == 2, "GPT: ids must be [batch, time], got \(ids.shape)")
        let (batch, steps) = (ids.shape[0], ids.shape[1])
        let offset = cache?.length ?? 0
        ensure(offset + steps <= config.context,
                     "GPT: \(offset + steps) positions exceed the context of \(config.context)")
        var x = dropout(tokenEmbedding(ids) + positionEmbedding(count: steps, offset: offset))   // [B, T, E]
        for block in blocks {
            x = block(x, causal: true, cache: cache)
        }
        x = finalNorm(x)
        // The output head shares the token embedding's weights (Press & Wolf 2017).
        let logits = tokenEmbedding.tiedProjection(x.reshaped([batch * steps, config.width]))   // [B·T, V]
        return logits.reshaped([batch, steps, config.vocabularySize])
    }

    /// Megatron-style tensor parallelism: every block keeps `tp.rank`'s share of its attention
    /// heads and MLP units, so each process holds 1/size of the block matrices; embeddings and
    /// norms stay whole. Every process must hold the same weights when it is called (the same
    /// seed), before the optimizer is made. Training only; ``unshard()`` gathers the whole model back.
    ///
    /// ```swift
    /// gpt.shard(over: TensorParallelGroup(group))   // mpirun -np 2: each process has half of each block
    /// ```
    /// Returns the parameters that hold shards.
    @discardableResult
    public func shard(over tp: TensorParallelism) -> [Tensor] {
        blocks.flatMap { $0.shard(over: tp) }   // each attention layer checks that its heads split
    }

    /// Gathers every block's shards back into whole matrices (a collective: every process of the
    /// tensor-parallel group calls it).
    public func unshard() {
        for block in blocks { block.unshard() }
    }
}
