import StrataCore
import StrataNN

/// A small convolutional classifier for 28x28 images (the `cnn-mnist` benchmark network):
/// two 3x3 convolutions (32 and 64 channels, "same" padding), each followed by ReLU and
/// 2x2 max pooling, then a 128-unit hidden layer and the output layer.
///
/// ```swift
/// let cnn = ConvNet(ConvNet.Config())
/// let logits = cnn(images)   // [N, 1, 28, 28] -> [N, 10]
/// ```
public final class ConvNet: Module {
    /// The shape of a ConvNet.
    public struct Config: Codable, Sendable, Equatable {
        /// Channels of the input images (default 1, grayscale).
        public var inputChannels = 1
        /// The side of the square input images in pixels (default 28); two poolings reduce it to a quarter.
        public var imageSize = 28
        /// The number of output classes, the width of the logits (default 10).
        public var classes = 10
        /// Dropout before the output layer (0 in the benchmark).
        public var dropout = 0.25
        /// A config; the defaults describe MNIST (1 channel, 28x28, 10 classes) with dropout 0.25.
        public init(inputChannels: Int = 1, imageSize: Int = 28, classes: Int = 10, dropout: Double = 0.25) {
            self.inputChannels = inputChannels; self.imageSize = imageSize; self.classes = classes; self.dropout = dropout
        }
    }

    /// The shape this model was built with.
    public let config: Config
    let conv1: Conv2D
    let conv2: Conv2D
    let pool = MaxPool2D(kernelSize: (2, 2))
    let fc1: Linear
    let fc2: Linear
    let dropout: Dropout

    /// A ConvNet of `config`'s shape, with PyTorch's default initialisation.
    public init(_ config: Config = Config()) {
        self.config = config
        conv1 = Conv2D(config.inputChannels, 32, kernelSize: (3, 3), padding: (1, 1))
        conv2 = Conv2D(32, 64, kernelSize: (3, 3), padding: (1, 1))
        let side = config.imageSize / 4
        fc1 = Linear(64 * side * side, 128)
        fc2 = Linear(128, config.classes)
        dropout = Dropout(config.dropout)
    }

    override public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = pool(conv1(x).relu())            // [N, 32, 14, 14]
        h = pool(conv2(h).relu())                // [N, 64, 7, 7]
        h = fc1(h.flattened(from: 1)).relu()     // [N, 128]
        return fc2(dropout(h))                   // [N, classes]
    }
}
