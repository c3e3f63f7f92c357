import StrataCore
import StrataNN

/// A multi-layer perceptron classifier: flatten, then Linear-ReLU(-Dropout) blocks, then a
/// Linear output layer producing logits.
///
/// ```swift
/// let mlp = MLP(MLP.Config(inputSize: 784, hiddenSizes: [512, 256], outputSize: 10, dropout: 0.2))
/// let logits = mlp(images)   // [N, 1, 28, 28] -> [N, 10]
/// ```
public final class MLP: Module {
    /// The shape of an MLP.
    public struct Config: Codable, Sendable, Equatable {
        /// Input features after flattening (default 784, a 28x28 image).
        public var inputSize = 784
        /// The widths of the hidden layers, in order (default [512, 256]).
        public var hiddenSizes = [512, 256]
        /// The number of outputs, the width of the logits (default 10).
        public var outputSize = 10
        /// The dropout probability after each hidden layer's ReLU (default 0.2).
        public var dropout = 0.2
        /// A config; the defaults describe an MNIST classifier (784 → 512 → 256 → 10, dropout 0.2).
        public init(inputSize: Int = 784, hiddenSizes: [Int] = [512, 256], outputSize: Int = 10, dropout: Double = 0.2) {
            self.inputSize = inputSize; self.hiddenSizes = hiddenSizes; self.outputSize = outputSize; self.dropout = dropout
        }
    }

    /// The shape this model was built with.
    public let config: Config
    /// The Linear layers, input to output (keys `layers.0.weight` ...).
    public let layers: [Linear]
    let dropout: Dropout

    /// An MLP of `config`'s shape, with PyTorch's default initialisation.
    public init(_ config: Config = Config()) {
        self.config = config
        let sizes = [config.inputSize] + config.hiddenSizes + [config.outputSize]
        layers = zip(sizes, sizes.dropFirst()).map { Linear($0, $1) }
        dropout = Dropout(config.dropout)
    }

    override public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x.flattened(from: 1)                 // [N, 784]
        for layer in layers.dropLast() {
            h = dropout(layer(h).relu())             // [N, hidden]
        }
        return layers.last!(h)                       // [N, classes]
    }
}
