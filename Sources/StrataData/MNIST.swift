import Foundation
import StrataCore

/// MNIST-format image datasets (MNIST, Fashion-MNIST): IDX files of 28x28 images and labels.
///
/// ```swift
/// let train = try MNIST.load(directory: "Data/mnist", split: .train)
/// train.inputs.shape    // [60000, 1, 28, 28], scaled to [0, 1] then standardised
/// ```
public enum MNIST {
    public enum Split: String, Sendable { case train, test }

    /// File names of a split: images and labels, gzip-compressed or raw.
    static func files(_ split: Split) -> (images: String, labels: String) {
        split == .train ? ("train-images-idx3-ubyte", "train-labels-idx1-ubyte") : ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    }

    /// Per-pixel mean and standard deviation used to standardise inputs (of [0, 1] pixels).
    public struct Normalization: Sendable, Equatable {
        public var mean: Double, std: Double
        public init(mean: Double, std: Double) { self.mean = mean; self.std = std }
        public static let mnist = Normalization(mean: 0.1307, std: 0.3081)
        public static let fashionMNIST = Normalization(mean: 0.2860, std: 0.3530)
    }

    /// Reads a split from `directory` (`.gz` preferred, raw IDX accepted). Images become
    /// float32 `[N, 1, 28, 28]` standardised with `normalization`; labels int64 `[N]`.
    public static func load(directory: String, split: Split, normalization: Normalization = .mnist) throws -> TensorDataset {
        let (imageName, labelName) = files(split)
        func path(_ name: String) throws -> String {
            for candidate in ["\(directory)/\(name).gz", "\(directory)/\(name)"] where FileManager.default.fileExists(atPath: candidate) {
                return candidate
            }
            throw DatasetError.missingFile("\(directory)/\(name).gz", hint: "expected the MNIST-format file \(name)[.gz] in \(directory)")
        }
        let imagesPath = try path(imageName), labelsPath = try path(labelName)
        let images = try IDX.read(path: imagesPath, expectedMagic: IDX.imagesMagic)
        let labels = try IDX.read(path: labelsPath, expectedMagic: IDX.labelsMagic)
        guard images.dimensions.count == 3 else {
            throw DatasetError.invalid(imagesPath, "expected 3 dimensions (count, rows, columns), found \(images.dimensions)")
        }
        guard images.dimensions[0] > 0 else { throw DatasetError.invalid(imagesPath, "the file holds no images") }
        guard images.dimensions[1] > 0 && images.dimensions[2] > 0 else {
            throw DatasetError.invalid(imagesPath, "images are \(images.dimensions[1])x\(images.dimensions[2]) pixels")
        }
        guard labels.dimensions.count == 1 else {
            throw DatasetError.invalid(labelsPath, "expected 1 dimension (count), found \(labels.dimensions)")
        }
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw DatasetError.invalid(labelsPath, "\(labels.dimensions[0]) labels for \(images.dimensions[0]) images in \(imagesPath)")
        }
        if let bad = labels.bytes.firstIndex(where: { $0 > 9 }) {
            throw DatasetError.invalid(labelsPath, "label \(labels.bytes[bad]) at index \(bad) (byte offset \(8 + bad)) is not a digit class 0-9")
        }
        let n = images.dimensions[0], h = images.dimensions[1], w = images.dimensions[2]
        let scale = Float(1 / (255 * normalization.std)), shift = Float(normalization.mean / normalization.std)
        let x = Tensor.empty([n, 1, h, w])
        x.withUnsafeMutableBuffer(as: Float.self) { dst in
            images.bytes.withUnsafeBufferPointer { src in
                for i in 0..<src.count { dst[i] = Float(src[i]) * scale - shift }
            }
        }
        let y = Tensor(labels.bytes.map { Int64($0) })
        return TensorDataset(inputs: x, targets: y)
    }
}

/// A dataset that cannot be read.
public enum DatasetError: Error, CustomStringConvertible {
    case missingFile(String, hint: String)
    case invalid(String, String)

    public var description: String {
        switch self {
        case .missingFile(let path, let hint): return "\(path): file not found (\(hint))"
        case .invalid(let path, let why): return "\(path): \(why)"
        }
    }
}
