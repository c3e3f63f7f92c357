import Foundation
import StrataCore
import StrataData
import StrataIO
import Testing

// MNIST.load on the copy shipped in Data/mnist, and its errors on broken copies.

/// Data/mnist of this checkout (found from this file's path).
private let mnistDirectory: String = {
    guard let root = packageRoot(from: #filePath) else { fatalError("no Package.swift above \(#filePath)") }
    return root.appendingPathComponent("Data/mnist").path
}()

/// The training set, read once for the tests that need it (the read takes about a second).
private let mnistTrain = Result { try MNIST.load(directory: mnistDirectory, split: .train) }

/// The description of the error `body` throws, or nil when it does not throw.
private func thrownDescription(_ body: () throws -> Void) -> (error: Error, text: String)? {
    do {
        try body()
        return nil
    } catch {
        return (error, String(describing: error))
    }
}

/// Writes small MNIST-format files for `split` into `directory` (raw IDX, or gzip).
private func writeSplit(_ split: MNIST.Split, images: IDXArray, labels: IDXArray, in directory: TemporaryDirectory,
                        gzip: Bool = false) throws -> (images: String, labels: String) {
    let stem = split == .train ? ("train-images-idx3-ubyte", "train-labels-idx1-ubyte") : ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    let suffix = gzip ? ".gz" : ""
    let paths = (directory.path + "/" + stem.0 + suffix, directory.path + "/" + stem.1 + suffix)
    try IDX.write(images, to: paths.0, gzip: gzip)
    try IDX.write(labels, to: paths.1, gzip: gzip)
    return paths
}

private func images(_ count: Int, side: Int = 28) -> IDXArray {
    IDXArray(dimensions: [count, side, side], bytes: pseudoRandomBytes(count: count * side * side))
}

@Suite("MNIST on the shipped data")
struct MNISTDataTests {
    @Test("the training set: 60,000 standardised images [N, 1, 28, 28] and labels 5 0 4 1 9 ...")
    func trainingSet() throws {
        let train = try mnistTrain.get()
        #expect(train.count == 60_000)
        #expect(train.inputs.shape == [60_000, 1, 28, 28])
        #expect(train.inputs.dtype == .float32)
        #expect(train.targets.shape == [60_000])
        #expect(train.targets.dtype == .int64)
        #expect(Array(train.targets.toArray(as: Int64.self).prefix(5)) == [5, 0, 4, 1, 9])

        // Standardised with MNIST's own mean and std: mean about 0 and std about 1 over the set.
        let (mean, std, low, high) = train.inputs.withUnsafeBuffer(as: Float.self) { values in
            var sum = 0.0, squares = 0.0, low = Float.infinity, high = -Float.infinity
            for v in values {
                sum += Double(v); squares += Double(v) * Double(v)
                low = Swift.min(low, v); high = Swift.max(high, v)
            }
            let mean = sum / Double(values.count)
            return (mean, (squares / Double(values.count) - mean * mean).squareRoot(), low, high)
        }
        #expect(abs(mean) < 0.01, "mean \(mean)")
        #expect(abs(std - 1) < 0.01, "std \(std)")
        // Pixel 0 maps to -0.1307/0.3081 and pixel 255 to (1-0.1307)/0.3081.
        #expect(abs(Double(low) - (-0.1307 / 0.3081)) < 1e-5, "min \(low)")
        #expect(abs(Double(high) - (1 - 0.1307) / 0.3081) < 1e-5, "max \(high)")

        // Every class is present, each with roughly a tenth of the images.
        var counts = [Int](repeating: 0, count: 10)
        for label in train.targets.toArray(as: Int64.self) { counts[Int(label)] += 1 }
        #expect(counts.allSatisfy { $0 > 5_000 && $0 < 7_000 }, "class counts \(counts)")
    }

    @Test("the test set: 10,000 images, labels 7 2 1 0 4 ...; Normalization(0, 1) keeps pixels in [0, 1]")
    func testSet() throws {
        let test = try MNIST.load(directory: mnistDirectory, split: .test)
        #expect(test.count == 10_000)
        #expect(test.inputs.shape == [10_000, 1, 28, 28])
        #expect(Array(test.targets.toArray(as: Int64.self).prefix(5)) == [7, 2, 1, 0, 4])

        let raw = try MNIST.load(directory: mnistDirectory, split: .test, normalization: MNIST.Normalization(mean: 0, std: 1))
        let pixels = raw.inputs.floats
        #expect(pixels.min() == 0)
        #expect(pixels.max() == 1)
        // Standardising is the affine map (x - mean) / std of the raw [0, 1] pixels.
        let standard = test.inputs.floats
        for i in stride(from: 0, to: pixels.count, by: 997) {
            #expect(abs(standard[i] - (pixels[i] - 0.1307) / 0.3081) < 1e-5)
        }
    }
}

@Suite("MNIST errors")
struct MNISTErrorTests {
    @Test("a missing directory throws DatasetError naming the file it looked for")
    func missingDirectory() throws {
        let folder = try TemporaryDirectory()
        let missing = folder.path + "/no-such-mnist"
        let thrown = thrownDescription { _ = try MNIST.load(directory: missing, split: .train) }
        let (error, text) = try #require(thrown)
        #expect(error is DatasetError, "\(type(of: error)): \(text)")
        #expect(text.contains(missing + "/train-images-idx3-ubyte"), "\(text)")
        #expect(text.contains("not found"), "\(text)")
    }

    @Test("a directory with images but no labels names the labels file")
    func missingLabels() throws {
        let folder = try TemporaryDirectory()
        let paths = try writeSplit(.test, images: images(2), labels: IDXArray(dimensions: [2], bytes: [1, 2]), in: folder)
        try FileManager.default.removeItem(atPath: paths.labels)
        let (error, text) = try #require(thrownDescription { _ = try MNIST.load(directory: folder.path, split: .test) })
        #expect(error is DatasetError)
        #expect(text.contains("t10k-labels-idx1-ubyte"), "\(text)")
    }

    @Test("small MNIST-format files (raw or gzip) load with the right shapes and labels", arguments: [false, true])
    func smallFilesLoad(gzip: Bool) throws {
        let folder = try TemporaryDirectory()
        let pictures = images(3, side: 4)
        _ = try writeSplit(.train, images: pictures, labels: IDXArray(dimensions: [3], bytes: [9, 0, 3]), in: folder, gzip: gzip)
        let data = try MNIST.load(directory: folder.path, split: .train, normalization: MNIST.Normalization(mean: 0, std: 1))
        #expect(data.inputs.shape == [3, 1, 4, 4])
        #expect(data.targets.toArray(as: Int64.self) == [9, 0, 3])
        let expected = pictures.bytes.map { Float($0) / 255 }
        #expect(zip(data.inputs.floats, expected).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test("a truncated copy of the shipped labels file throws an error naming that file")
    func truncatedGzipLabels() throws {
        let folder = try TemporaryDirectory()
        _ = try writeSplit(.test, images: images(10), labels: IDXArray(dimensions: [10], bytes: Array(repeating: 1, count: 10)),
                           in: folder, gzip: true)
        let original = try Data(contentsOf: URL(fileURLWithPath: mnistDirectory + "/t10k-labels-idx1-ubyte.gz"))
        let labelsPath = try folder.write(Array(original.prefix(30)), to: "t10k-labels-idx1-ubyte.gz")
        let (error, text) = try #require(thrownDescription { _ = try MNIST.load(directory: folder.path, split: .test) })
        #expect(text.contains(labelsPath), "\(text)")
        #expect((error as? FileError)?.path == labelsPath, "\(type(of: error)): \(text)")
    }

    @Test("a truncated raw labels file throws a FileError naming the file and the missing bytes")
    func truncatedRawLabels() throws {
        let folder = try TemporaryDirectory()
        _ = try writeSplit(.test, images: images(10), labels: IDXArray(dimensions: [10], bytes: Array(repeating: 1, count: 10)), in: folder)
        let full = IDX.encode(IDXArray(dimensions: [10], bytes: Array(repeating: 1, count: 10)))
        let labelsPath = try folder.write(Array(full.prefix(12)), to: "t10k-labels-idx1-ubyte")
        let (error, text) = try #require(thrownDescription { _ = try MNIST.load(directory: folder.path, split: .test) })
        let idx = try #require(error as? FileError, "\(type(of: error)): \(text)")
        #expect(idx.path == labelsPath)
        #expect(idx.kind == .truncated)
        #expect(text.contains(labelsPath) && text.contains("truncated"), "\(text)")

        // A header cut short is reported too.
        try Data(full.prefix(6)).write(to: URL(fileURLWithPath: labelsPath))
        let (headerError, headerText) = try #require(thrownDescription { _ = try MNIST.load(directory: folder.path, split: .test) })
        #expect((headerError as? FileError)?.kind == .truncatedHeader, "\(headerText)")
        #expect(headerText.contains(labelsPath))
    }

    @Test("different image and label counts throw DatasetError naming the labels file and both counts")
    func mismatchedCounts() throws {
        let folder = try TemporaryDirectory()
        let paths = try writeSplit(.train, images: images(3), labels: IDXArray(dimensions: [2], bytes: [1, 2]), in: folder)
        let (error, text) = try #require(thrownDescription { _ = try MNIST.load(directory: folder.path, split: .train) })
        #expect(error is DatasetError, "\(type(of: error)): \(text)")
        #expect(text.contains(paths.labels), "\(text)")
        #expect(text.contains("2 labels") && text.contains("3 images"), "\(text)")
    }

    @Test("a label outside 0-9 throws DatasetError naming the file and the byte offset")
    func labelOutOfRange() throws {
        let folder = try TemporaryDirectory()
        let paths = try writeSplit(.test, images: images(3), labels: IDXArray(dimensions: [3], bytes: [1, 12, 2]), in: folder)
        let (error, text) = try #require(thrownDescription { _ = try MNIST.load(directory: folder.path, split: .test) })
        #expect(error is DatasetError)
        #expect(text.contains(paths.labels) && text.contains("12") && text.contains("byte offset 9"), "\(text)")
    }

    @Test("images and labels files swapped throw an error naming the file with the wrong magic")
    func swappedFiles() throws {
        let folder = try TemporaryDirectory()
        let labels = IDXArray(dimensions: [2], bytes: [1, 2])
        // Labels written where the images belong, and the other way round.
        let paths = try writeSplit(.test, images: labels, labels: images(2), in: folder)
        let (error, text) = try #require(thrownDescription { _ = try MNIST.load(directory: folder.path, split: .test) })
        #expect((error as? FileError)?.kind == .unexpectedMagic, "\(text)")
        #expect(text.contains(paths.images), "\(text)")
    }
}
