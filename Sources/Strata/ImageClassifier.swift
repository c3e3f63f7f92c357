import Foundation

/// The image models `strata train mnist` builds: a multilayer perceptron or a small ConvNet.
///
/// ```swift
/// let model = try ImageModelKind.cnn.make(configJSON: nil)      // the default ConvNet
/// ```
public enum ImageModelKind: String, CaseIterable, Sendable {
    case mlp, cnn

    /// The model from its JSON configuration (a checkpoint's `model_config`), or the default one,
    /// with its dropout replaced when `dropout` is given. A configuration that does not decode or
    /// fails validation throws a `ConfigError`.
    public func make(configJSON: String? = nil, dropout: Double? = nil) throws -> Module {
        let data = configJSON.map { Data($0.utf8) }
        switch self {
        case .mlp:
            var config = try data.map { try decodeConfig(MLP.Config.self, from: $0) } ?? MLP.Config()
            if let dropout { config.dropout = dropout }
            try config.validate(source: "checkpoint metadata 'config'")
            return MLP(config)
        case .cnn:
            var config = try data.map { try decodeConfig(ConvNet.Config.self, from: $0) } ?? ConvNet.Config()
            if let dropout { config.dropout = dropout }
            try config.validate(source: "checkpoint metadata 'config'")
            return ConvNet(config)
        }
    }

    private func decodeConfig<C: Decodable>(_ type: C.Type, from data: Data) throws -> C {
        do { return try JSONDecoder().decode(type, from: data) } catch let error as DecodingError {
            throw ConfigError(source: "checkpoint metadata 'config'", key: "\(rawValue)", message: DecodingErrorText.describe(error))
        }
    }

    /// The JSON configuration of `model` (sorted keys), as checkpoints store it.
    public func configJSON(_ model: Module) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data: Data?
        switch model {
        case let m as MLP: data = try? encoder.encode(m.config)
        case let m as ConvNet: data = try? encoder.encode(m.config)
        default: data = nil
        }
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// The MNIST-format datasets: their normalisation and class names.
public enum ImageDatasetKind: String, CaseIterable, Sendable {
    case mnist, fashionMNIST = "fashion-mnist"

    public var normalization: MNIST.Normalization { self == .mnist ? .mnist : .fashionMNIST }

    /// One split of the dataset from `directory` (see `MNIST.load`), checked to hold the 28x28
    /// images that ``ImageModelKind``'s models take.
    public func load(directory: String, split: MNIST.Split, normalization: MNIST.Normalization? = nil) throws -> TensorDataset {
        let data = try MNIST.load(directory: directory, split: split, normalization: normalization ?? self.normalization)
        let shape = data.inputs.shape
        guard shape[2] == 28 && shape[3] == 28 else {
            throw DatasetError.invalid(directory, "the \(split) images are \(shape[2])x\(shape[3]) pixels; the \(rawValue) models take 28x28")
        }
        return data
    }

    /// The name of each class, by label.
    public var classNames: [String] {
        switch self {
        case .mnist: return (0..<10).map(String.init)
        case .fashionMNIST:
            return ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        }
    }
}

/// An image classifier rebuilt from a `strata train mnist` checkpoint, ready for inference.
///
/// ```swift
/// let classifier = try ImageClassifierCheckpoint(path: "runs/mnist/checkpoint.safetensors")
/// let probabilities = classifier.probabilities(try GrayImage.read(path: "digit.png"))   // 10 values
/// ```
public struct ImageClassifierCheckpoint {
    public let model: Module
    public let kind: ImageModelKind
    public let dataset: ImageDatasetKind
    public let normalization: MNIST.Normalization
    /// How the weights are packed, for a checkpoint written by `strata quantize` (nil: float32).
    public let quantization: QuantizationSpec?

    /// Reads the checkpoint at `path`; the model, its configuration and the dataset come from its
    /// metadata. A checkpoint from another command, or one whose configuration or weights do not
    /// fit, throws an error naming the file.
    public init(path: String) throws {
        let (entries, header) = try SafeTensors.read(path: path)
        let quantization = try QuantizationSpec(metadata: header, path: path)
        let checkpoint = quantization == nil ? try TrainingCheckpoint.load(path: path) : nil
        let meta = checkpoint?.metadata ?? header
        guard let kindName = meta["model"], let kind = ImageModelKind(rawValue: kindName) else {
            throw FileError(path: path, message: "metadata 'model' is \(meta["model"].map { "'\($0)'" } ?? "missing"); expected mlp or cnn (a checkpoint from 'strata train mnist')")
        }
        do { model = try kind.make(configJSON: meta["model_config"]) }
        catch { throw FileError(path: path, message: "metadata 'model_config' is not a valid \(kind.rawValue) configuration: \(error)") }
        if let quantization {
            try ModelQuantization.load(entries, prefix: "model.", spec: quantization, into: model, path: path)
        } else {
            try checkpoint?.loadWeights(into: model)
        }
        self.quantization = quantization
        model.train(false)
        self.kind = kind
        dataset = ImageDatasetKind(rawValue: meta["dataset"] ?? "mnist") ?? .mnist
        normalization = MNIST.Normalization(mean: Double(meta["normalization_mean"] ?? "") ?? dataset.normalization.mean,
                                            std: Double(meta["normalization_std"] ?? "") ?? dataset.normalization.std)
    }

    /// Class probabilities for one image. Images of another size are resized to 28x28, and an
    /// image with a light background (mean above 127) is inverted to MNIST's white-on-black.
    public func probabilities(_ image: GrayImage) -> [Float] {
        var picture = image
        if picture.width != 28 || picture.height != 28 { picture = picture.resized(width: 28, height: 28) }
        let mean = Double(picture.pixels.reduce(0) { $0 + Int($1) }) / Double(picture.pixels.count)
        if mean > 127 { picture = picture.inverted() }
        let n = normalization
        let pixels = picture.pixels.map { Float((Double($0) / 255 - n.mean) / n.std) }
        return withoutGradients { model(Tensor(pixels, shape: [1, 1, 28, 28])).softmax(axis: 1) }.floats
    }
}
