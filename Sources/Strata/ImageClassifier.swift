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

/// An image classifier saved by `strata train mnist` (or quantize, prune, distill), in the
/// ``ModelDirectory`` layout: `model.safetensors` with the kind (`mlp`, `cnn`), its config, the
/// dataset and its normalisation in the metadata. Format 1's single `checkpoint.safetensors` file
/// (weights under `model.`) still loads, given as the file or as its directory.
///
/// ```swift
/// let classifier = try ImageClassifierCheckpoint(path: "runs/mnist")
/// let probabilities = classifier.probabilities(try GrayImage.read(path: "digit.png"))   // 10 values
/// ```
public struct ImageClassifierCheckpoint {
    public let model: Module
    public let kind: ImageModelKind
    public let dataset: ImageDatasetKind
    public let normalization: MNIST.Normalization
    /// How the weights are packed, for a checkpoint written by `strata quantize` (nil: float32).
    public let quantization: QuantizationSpec?
    /// The metadata of the weights file (kind, config, dataset, and what the writer added).
    public let metadata: [String: String]

    /// The file format 1 wrote into a run's directory.
    public static let formatOneFile = "checkpoint.safetensors"

    /// Writes `model` (or its packed `weights`) into `directory` in the ``ModelDirectory`` layout,
    /// with the dataset and normalisation it was trained with and `metadata`.
    ///
    /// ```swift
    /// try ImageClassifierCheckpoint.save(mlp, kind: .mlp, dataset: .mnist, to: "runs/mnist")
    /// ```
    public static func save(_ model: Module, kind: ImageModelKind, dataset: ImageDatasetKind,
                            normalization: MNIST.Normalization? = nil, metadata: [String: String] = [:],
                            weights: [String: SafeTensorsEntry]? = nil, to directory: String) throws {
        let n = normalization ?? dataset.normalization
        var header = metadata
        header["dataset"] = dataset.rawValue
        header["normalization_mean"] = String(n.mean)
        header["normalization_std"] = String(n.std)
        try ModelDirectory.write(weights ?? model.stateDict().mapValues { SafeTensorsEntry(tensor: $0) },
                                 kind: kind.rawValue, config: kind.configJSON(model), metadata: header, to: directory)
    }

    /// Reads the classifier at `path`: a model directory, or format 1's checkpoint file (or a
    /// directory holding one). A checkpoint of another kind, or one whose configuration or
    /// weights do not fit, throws an error naming the file.
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let directory = exists && isDirectory.boolValue
        let file: String, prefix: String
        if directory && FileManager.default.fileExists(atPath: path + "/" + ModelDirectory.weightsFile) {
            (file, prefix) = (path + "/" + ModelDirectory.weightsFile, "")
        } else {
            // Format 1: trainer state with the weights under "model." (or quantized weights so).
            (file, prefix) = (directory ? path + "/" + Self.formatOneFile : path, "model.")
        }
        let (all, header) = try SafeTensors.read(path: file)
        let entries = all.filter { $0.key.hasPrefix(prefix) }
        let described = try ModelDirectory.header(path: file, metadata: header)
        guard let kind = ImageModelKind(rawValue: described.kind) else {
            throw FileError(path: file, message: "metadata 'kind' is '\(described.kind)'; expected mlp or cnn (a model from 'strata train mnist')")
        }
        do { model = try kind.make(configJSON: described.config) }
        catch { throw FileError(path: file, message: "metadata 'config' is not a valid \(kind.rawValue) configuration: \(error)") }
        let quantization = try QuantizationSpec(metadata: header, path: file)
        if let quantization {
            try ModelQuantization.load(entries, prefix: prefix, spec: quantization, into: model, path: file)
        } else {
            var tensors: [String: Tensor] = [:]
            for (key, entry) in entries { tensors[String(key.dropFirst(prefix.count))] = try entry.tensor(key: key, path: file) }
            do { try model.loadStateDict(tensors) }
            catch let error as StateDictError { throw FileError(path: file, message: error.description) }
        }
        self.quantization = quantization
        model.train(false)
        self.kind = kind
        metadata = header
        dataset = ImageDatasetKind(rawValue: header["dataset"] ?? "mnist") ?? .mnist
        normalization = MNIST.Normalization(mean: Double(header["normalization_mean"] ?? "") ?? dataset.normalization.mean,
                                            std: Double(header["normalization_std"] ?? "") ?? dataset.normalization.std)
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
