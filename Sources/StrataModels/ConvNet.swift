import StrataCore
import StrataNN

/// A small convolutional classifier for 28x28 images (the `cnn-mnist` benchmark network):
/// two 3x3 convolutions (32 and 64 channels by default, "same" padding), each followed by ReLU
/// and 2x2 max pooling, then a 128-unit hidden layer and the output layer. Channel pruning
/// (``ConvNet/keepingChannels(fraction:)``) makes narrower ones.
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
        /// Output channels of the two convolutions (default 32 and 64).
        public var channels = [32, 64]
        /// Units of the hidden fully connected layer (default 128).
        public var hidden = 128
        /// A config; the defaults describe MNIST (1 channel, 28x28, 10 classes) with dropout 0.25.
        public init(inputChannels: Int = 1, imageSize: Int = 28, classes: Int = 10, dropout: Double = 0.25,
                    channels: [Int] = [32, 64], hidden: Int = 128) {
            self.inputChannels = inputChannels; self.imageSize = imageSize; self.classes = classes; self.dropout = dropout
            self.channels = channels; self.hidden = hidden
        }

        private enum CodingKeys: String, CodingKey { case inputChannels, imageSize, classes, dropout, channels, hidden }

        /// Decodes a config; `channels` and `hidden` default to 32, 64 and 128, as checkpoints
        /// written before channel pruning existed leave them out.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(inputChannels: try c.decode(Int.self, forKey: .inputChannels), imageSize: try c.decode(Int.self, forKey: .imageSize),
                      classes: try c.decode(Int.self, forKey: .classes), dropout: try c.decode(Double.self, forKey: .dropout),
                      channels: try c.decodeIfPresent([Int].self, forKey: .channels) ?? [32, 64],
                      hidden: try c.decodeIfPresent(Int.self, forKey: .hidden) ?? 128)
        }
    }

    /// The shape this model was built with.
    public let config: Config
    /// The first convolution `[channels[0], inputChannels, 3, 3]`.
    public let conv1: Conv2D
    /// The second convolution `[channels[1], channels[0], 3, 3]`.
    public let conv2: Conv2D
    let pool = MaxPool2D(kernelSize: (2, 2))
    /// The hidden layer `[hidden, channels[1] · (imageSize / 4)²]`.
    public let fc1: Linear
    /// The output layer `[classes, hidden]`.
    public let fc2: Linear
    let dropout: Dropout

    /// A ConvNet of `config`'s shape, with PyTorch's default initialisation.
    public init(_ config: Config = Config()) {
        self.config = config
        conv1 = Conv2D(config.inputChannels, config.channels[0], kernelSize: (3, 3), padding: (1, 1))
        conv2 = Conv2D(config.channels[0], config.channels[1], kernelSize: (3, 3), padding: (1, 1))
        let side = config.imageSize / 4
        fc1 = Linear(config.channels[1] * side * side, config.hidden)
        fc2 = Linear(config.hidden, config.classes)
        dropout = Dropout(config.dropout)
    }

    override public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = pool(conv1(x).relu())            // [N, C1, 14, 14]
        h = pool(conv2(h).relu())                // [N, C2, 7, 7]
        h = fc1(h.flattened(from: 1)).relu()     // [N, hidden]
        return fc2(dropout(h))                   // [N, classes]
    }
}
