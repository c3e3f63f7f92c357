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
    public struct Config: Codable, Sendable, Equatable {
        public var vocabularySize: Int
        public var embedding: Int
        public var hidden: Int
        public var layers: Int
        public var dropout: Double

        public init(vocabularySize: Int, embedding: Int = 64, hidden: Int = 256, layers: Int = 1, dropout: Double = 0) {
            self.vocabularySize = vocabularySize; self.embedding = embedding; self.hidden = hidden
            self.layers = layers; self.dropout = dropout
        }
    }

    public let config: Config
    public let embedding: Embedding
    public let lstm: LSTM
    public let head: Linear

    public init(_ config: Config) {
        self.config = config
        embedding = Embedding(config.vocabularySize, config.embedding)
        lstm = LSTM(inputSize: config.embedding, hiddenSize: config.hidden, layers: config.layers, dropout: config.dropout)
        head = Linear(config.hidden, config.vocabularySize)
    }

    /// Next-token logits `[B, T, vocabulary]` for ids `[B, T]`, continuing from `state` when given.
    public func callAsFunction(_ ids: Tensor, state: LSTM.State? = nil) -> (logits: Tensor, state: LSTM.State) {
        let (outputs, next) = lstm(embedding(ids), state: state)
        return (head(outputs), next)
    }
}
