import ArgumentParser
import Foundation
import Strata

/// `strata evaluate`: test-set loss and accuracy of a checkpoint.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evaluate", abstract: "Evaluate a checkpoint on its dataset's test set.")

    @Option(help: "A model directory written by 'strata train mnist' (or quantize, prune, distill).") var checkpoint: String
    @Option(help: "Directory with the dataset's IDX files (default: as in training).") var data: String?
    @Option(help: "Write the metrics as JSON to this path.") var json: String?

    func run() throws {
        let loaded = try ImageClassifierCheckpoint(path: checkpoint)
        let directory = try loaded.dataset.locate(data)
        let test = try loaded.dataset.load(directory: directory, split: .test, normalization: loaded.normalization)
        let trainer = Trainer(model: loaded.model, optimizer: SGD(loaded.model.parameters(), learningRate: 0))
        let scores = trainer.evaluate(DataLoader(test, batchSize: 1000))
        print(String(format: "%@ on %@ test set (%d images): accuracy %.2f%%, loss %.4f", loaded.kind.rawValue,
                     loaded.dataset.rawValue, test.count, (scores["accuracy"] ?? 0) * 100, scores["loss"] ?? 0))
        if let json {
            try MetricsLog.writeResult(["test_accuracy": JSONValue(scores["accuracy"] ?? .nan), "test_loss": JSONValue(scores["loss"] ?? .nan),
                                        "test_samples": JSONValue(test.count), "checkpoint": JSONValue(checkpoint)], to: json)
        }
    }
}

/// `strata predict`: classifies one image file.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Classify a 28x28 image (PGM or PNG) with a checkpoint.",
        discussion: "Images of another size are resized; an image with a light background (mean above 127) is inverted to MNIST's white-on-black.")

    @Option(help: "A model directory written by 'strata train mnist' (or quantize, prune, distill).") var checkpoint: String
    @Option(help: "The image: PGM (P2/P5) or PNG.") var image: String
    @Option(help: "How many classes to list.") var top = 3

    func validate() throws { try OptionCheck.int(top, "--top", in: 1...1000) }

    func run() throws {
        let loaded = try ImageClassifierCheckpoint(path: checkpoint)
        let probabilities = loaded.probabilities(try GrayImage.read(path: image))
        let ranked = probabilities.enumerated().sorted { $0.element > $1.element }
        let names = loaded.dataset.classNames
        print("\(image): \(names[ranked[0].offset])")
        for (label, p) in ranked.prefix(top) { print(String(format: "  %@  %.4f", names[label], p)) }
    }
}
