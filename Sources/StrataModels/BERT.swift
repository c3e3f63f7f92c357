import Foundation
import StrataCore
import StrataNN

/// A BERT encoder (Devlin et al. 2019), laid out as Hugging Face's `BertModel` so that its
/// checkpoints load by name: word, position and token-type embeddings summed and
/// layer-normalised, then a stack of post-LayerNorm transformer layers (bidirectional
/// self-attention over the unpadded tokens, a GELU feed-forward), and an optional pooler.
///
/// ```swift
/// let bert = try BERT.load(directory: "Models/all-MiniLM-L6-v2")   // config.json + model.safetensors
/// let hidden = withoutGradients { bert(ids, attentionMask: mask) }  // [B, T] -> [B, T, 384]
/// ```
public final class BERT: Module {
    /// The shape of a BERT, as Hugging Face's `BertConfig` (`config.json`) gives it.
    public struct Config: Sendable, Equatable {
        /// The feed-forward activation (`hidden_act`).
        public enum Activation: String, Sendable {
            /// Exact GELU, x·Φ(x), as BERT uses.
            case gelu
            /// GELU's tanh approximation.
            case geluNew = "gelu_new"
            case relu
        }

        /// Tokens in the vocabulary, the rows of the word embedding (`vocab_size`, default 30,522).
        public var vocabularySize: Int          // vocab_size
        /// The width of the hidden states (`hidden_size`, default 768).
        public var hiddenSize: Int              // hidden_size
        /// The number of encoder layers (`num_hidden_layers`, default 12).
        public var layers: Int                  // num_hidden_layers
        /// Attention heads per layer (`num_attention_heads`, default 12); must divide `hiddenSize`.
        public var heads: Int                   // num_attention_heads
        /// The feed-forward's inner width (`intermediate_size`, default 3072).
        public var intermediateSize: Int        // intermediate_size
        /// The longest input in tokens, the rows of the position embedding (`max_position_embeddings`, default 512).
        public var maximumPositions: Int        // max_position_embeddings
        /// The number of token types (segments), the rows of the token-type embedding (`type_vocab_size`, default 2).
        public var typeVocabularySize: Int      // type_vocab_size
        /// The feed-forward activation (`hidden_act`, default exact GELU).
        public var activation: Activation       // hidden_act
        /// The epsilon of every LayerNorm (`layer_norm_eps`, default 1e-12).
        public var layerNormEpsilon: Double     // layer_norm_eps

        /// A config; the defaults are those of BERT-base (`bert-base-uncased`).
        public init(vocabularySize: Int = 30_522, hiddenSize: Int = 768, layers: Int = 12, heads: Int = 12,
                    intermediateSize: Int = 3072, maximumPositions: Int = 512, typeVocabularySize: Int = 2,
                    activation: Activation = .gelu, layerNormEpsilon: Double = 1e-12) {
            self.vocabularySize = vocabularySize; self.hiddenSize = hiddenSize; self.layers = layers
            self.heads = heads; self.intermediateSize = intermediateSize; self.maximumPositions = maximumPositions
            self.typeVocabularySize = typeVocabularySize; self.activation = activation
            self.layerNormEpsilon = layerNormEpsilon
        }

        /// The width of one attention head.
        public var headSize: Int { hiddenSize / heads }
    }

    /// The shape this model was built with.
    public let config: Config
    /// The word embedding `[vocabularySize, hiddenSize]`.
    public let wordEmbeddings: Embedding        // embeddings.word_embeddings
    /// The learned position embedding `[maximumPositions, hiddenSize]`.
    public let positionEmbeddings: Embedding    // embeddings.position_embeddings
    /// The token-type (segment) embedding `[typeVocabularySize, hiddenSize]`.
    public let tokenTypeEmbeddings: Embedding   // embeddings.token_type_embeddings
    /// The LayerNorm applied to the summed embeddings.
    public let embeddingNorm: LayerNorm         // embeddings.LayerNorm
    /// The encoder layers, first to last.
    public let layers: [BERTLayer]              // encoder.layer
    /// tanh(Linear(hidden of [CLS])): `BertModel`'s pooled output; nil when built without it.
    public let pooler: Linear?                  // pooler.dense

    /// A BERT with zero weights, to be filled by `loadWeights` (the config must be valid:
    /// see `Config.validate`).
    public init(_ config: Config, pooler: Bool = true) {
        ensure(config.heads > 0 && config.hiddenSize % config.heads == 0,
                     "BERT: hidden size \(config.hiddenSize) is not divisible by \(config.heads) heads")
        self.config = config
        let width = config.hiddenSize
        wordEmbeddings = Embedding(config.vocabularySize, width, initializer: .zeros)
        positionEmbeddings = Embedding(config.maximumPositions, width, initializer: .zeros)
        tokenTypeEmbeddings = Embedding(config.typeVocabularySize, width, initializer: .zeros)
        embeddingNorm = LayerNorm([width], epsilon: config.layerNormEpsilon)
        layers = (0..<config.layers).map { _ in BERTLayer(config) }
        self.pooler = pooler ? Linear(width, width, initializer: .zeros) : nil
        super.init()
    }

    override public func key(for property: String) -> String {
        switch property {
        case "wordEmbeddings": "embeddings.word_embeddings"
        case "positionEmbeddings": "embeddings.position_embeddings"
        case "tokenTypeEmbeddings": "embeddings.token_type_embeddings"
        case "embeddingNorm": "embeddings.LayerNorm"
        case "layers": "encoder.layer"
        case "pooler": "pooler.dense"
        default: super.key(for: property)
        }
    }

    /// The last hidden states `[B, T, hidden]` for unpadded token ids `[B, T]`, segment 0.
    override public func callAsFunction(_ ids: Tensor) -> Tensor { callAsFunction(ids, attentionMask: nil, tokenTypes: nil) }

    /// The last hidden states `[B, T, hidden]` for token ids `[B, T]` (int). `attentionMask`
    /// `[B, T]` (Bool, true for real tokens) keeps every token from attending to padding;
    /// `tokenTypes` `[B, T]` (int) defaults to segment 0 throughout.
    public func callAsFunction(_ ids: Tensor, attentionMask: Tensor? = nil, tokenTypes: Tensor? = nil) -> Tensor {
        ensure(ids.rank == 2, "BERT: ids must be [batch, time], got \(ids.shape)")
        let (batch, steps) = (ids.shape[0], ids.shape[1])
        ensure(steps <= config.maximumPositions,
                     "BERT: \(steps) positions exceed max_position_embeddings \(config.maximumPositions)")
        var x = wordEmbeddings(ids)                                                      // [B, T, C]
        x = x + positionEmbeddings.weight.slice(axis: 0, start: 0, end: steps)             // + [T, C]
        if let tokenTypes {
            x = x + tokenTypeEmbeddings(tokenTypes)                                      // + [B, T, C]
        } else {
            x = x + tokenTypeEmbeddings.weight.slice(axis: 0, start: 0, end: 1).reshaped([config.hiddenSize])   // + [C]
        }
        x = embeddingNorm(x)
        // Key-padding mask, broadcast over heads and queries: [B, T] -> [B, 1, 1, T].
        let mask = attentionMask.map { m in
            ensure(m.shape == ids.shape && m.dtype == .bool, "BERT: attentionMask must be Bool \(ids.shape), got \(m.dtype) \(m.shape)")
            return m.reshaped([batch, 1, 1, steps])
        }
        for layer in layers {
            x = layer(x, mask: mask)
        }
        return x
    }

    /// `BertModel`'s pooled output `[B, hidden]`: tanh(Linear(the [CLS] position's hidden state)).
    public func pooled(_ hidden: Tensor) -> Tensor {
        guard let pooler else { ensureFailure("BERT: this model was built without a pooler") }
        return pooler(hidden.slice(axis: 1, start: 0, end: 1).reshaped([hidden.shape[0], config.hiddenSize])).tanh()
    }
}

/// One BERT encoder layer, post-LayerNorm as in the paper:
/// x ← LN(x + Attention(x)), then x ← LN(x + W₂·act(W₁·x)).
public final class BERTLayer: Module {
    /// The query projection `[hidden, hidden]`.
    public let queryProjection: Linear     // attention.self.query
    /// The key projection `[hidden, hidden]`.
    public let keyProjection: Linear       // attention.self.key
    /// The value projection `[hidden, hidden]`.
    public let valueProjection: Linear     // attention.self.value
    /// The projection of the attention output `[hidden, hidden]`.
    public let attentionOutput: Linear     // attention.output.dense
    /// The LayerNorm after the attention's residual addition.
    public let attentionNorm: LayerNorm    // attention.output.LayerNorm
    /// The feed-forward's first layer `[intermediate, hidden]`.
    public let intermediate: Linear        // intermediate.dense
    /// The feed-forward's second layer `[hidden, intermediate]`.
    public let output: Linear              // output.dense
    /// The LayerNorm after the feed-forward's residual addition.
    public let outputNorm: LayerNorm       // output.LayerNorm
    /// The number of attention heads.
    public let heads: Int
    /// The feed-forward activation.
    public let activation: BERT.Config.Activation

    /// A layer of `config`'s shape with zero weights (LayerNorms at ones and zeros), to be filled from a checkpoint.
    public init(_ config: BERT.Config) {
        let width = config.hiddenSize
        queryProjection = Linear(width, width, initializer: .zeros)
        keyProjection = Linear(width, width, initializer: .zeros)
        valueProjection = Linear(width, width, initializer: .zeros)
        attentionOutput = Linear(width, width, initializer: .zeros)
        attentionNorm = LayerNorm([width], epsilon: config.layerNormEpsilon)
        intermediate = Linear(width, config.intermediateSize, initializer: .zeros)
        output = Linear(config.intermediateSize, width, initializer: .zeros)
        outputNorm = LayerNorm([width], epsilon: config.layerNormEpsilon)
        heads = config.heads
        activation = config.activation
        super.init()
    }

    override public func key(for property: String) -> String {
        switch property {
        case "queryProjection": "attention.self.query"
        case "keyProjection": "attention.self.key"
        case "valueProjection": "attention.self.value"
        case "attentionOutput": "attention.output.dense"
        case "attentionNorm": "attention.output.LayerNorm"
        case "intermediate": "intermediate.dense"
        case "output": "output.dense"
        case "outputNorm": "output.LayerNorm"
        default: super.key(for: property)
        }
    }

    /// `x` `[B, T, C]` through the layer, attending to every position.
    override public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, mask: nil) }

    /// `x` `[B, T, C]` through the layer; `mask` is Bool `[B, 1, 1, T]`, true for keys to attend to.
    public func callAsFunction(_ x: Tensor, mask: Tensor?) -> Tensor {
        let (batch, steps, width) = (x.shape[0], x.shape[1], x.shape[2])
        let d = width / heads
        func splitHeads(_ y: Tensor) -> Tensor {
            y.reshaped([batch, steps, heads, d]).permuted([0, 2, 1, 3])                      // [B, H, T, D]
        }
        let q = splitHeads(queryProjection(x)), k = splitHeads(keyProjection(x)), v = splitHeads(valueProjection(x))
        let context = Tensor.scaledDotProductAttention(query: q, key: k, value: v, mask: mask)  // [B, H, T, D]
            .permuted([0, 2, 1, 3]).reshaped([batch, steps, width])                          // [B, T, C]
        let attended = attentionNorm(attentionOutput(context, adding: x))
        return outputNorm(output(activate(intermediate(attended)), adding: attended))
    }

    func activate(_ x: Tensor) -> Tensor {
        switch activation {
        case .gelu: x.gelu(approximate: false)
        case .geluNew: x.gelu(approximate: true)
        case .relu: x.relu()
        }
    }
}
