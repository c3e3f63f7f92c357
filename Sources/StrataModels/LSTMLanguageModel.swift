import StrataCore
import StrataNN

/// A recurrent language model: token embedding → LSTM → Linear over the vocabulary
/// (Karpathy's char-rnn, Zaremba et al. 2014).
///
/// ```swift
/// let model = LSTMLanguageModel(LSTMLanguageModel.Config(vocabularySize: 65, hidden: 256))
/// let (logits, state) = model(ids)   // ids: [B, T] -> [B, T, 65]
/// ```
public final class LSTMLanguageModel: Module {
    /// The shape of an LSTM language model.
    public struct Config: Codable, Sendable, Equatable {
        /// Tokens in the vocabulary: the rows of the embedding and the width of the logits.
        public var vocabularySize: Int
        /// The width of the token embedding, the LSTM's input size (default 64).
        public var embedding: Int
        /// The LSTM's hidden size (default 256).
        public var hidden: Int
        /// The number of stacked LSTM layers (default 1).
        public var layers: Int
        /// The dropout probability between LSTM layers, in [0, 1) (default 0).
        public var dropout: Double

        /// A config for a vocabulary of `vocabularySize` tokens.
        public init(vocabularySize: Int, embedding: Int = 64, hidden: Int = 256, layers: Int = 1, dropout: Double = 0) {
            self.vocabularySize = vocabularySize; self.embedding = embedding; self.hidden = hidden
            self.layers = layers; self.dropout = dropout
        }
    }

    /// The shape this model was built with.
    public let config: Config
    /// The token embedding `[vocabularySize, embedding]`.
    public let embedding: Embedding
    /// The LSTM from `embedding` to `hidden` features.
    public let lstm: LSTM
    /// The output layer `[vocabularySize, hidden]`, from hidden states to logits.
    public let head: Linear

    /// A model of `config`'s shape, initialised as PyTorch initialises its layers.
    public init(_ config: Config) {
        self.config = config
        embedding = Embedding(config.vocabularySize, config.embedding)
        lstm = LSTM(inputSize: config.embedding, hiddenSize: config.hidden, layers: config.layers, dropout: config.dropout)
        head = Linear(config.hidden, config.vocabularySize)
    }

    /// Next-token logits `[B, T, vocabulary]` for ids `[B, T]` from zero states: the training
    /// forward that `Trainer` calls.
    override public func callAsFunction(_ ids: Tensor) -> Tensor { callAsFunction(ids, state: nil).logits }

    /// Next-token logits `[B, T, vocabulary]` for ids `[B, T]`, continuing from `state` when given.
    public func callAsFunction(_ ids: Tensor, state: LSTM.State? = nil) -> (logits: Tensor, state: LSTM.State) {
        let (outputs, next) = lstm(embedding(ids), state: state)
        return (head(outputs), next)
    }
}
