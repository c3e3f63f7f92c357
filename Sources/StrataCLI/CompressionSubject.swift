import Foundation
import Strata

/// A trained model read for compression: an MNIST classifier (`strata train mnist`'s
/// checkpoint file) or a language model (`strata train lm`'s directory), with what is needed to
/// measure it and to write it back in the same form.
enum CompressionSubject {
    case image(ImageClassifierCheckpoint, metadata: [String: String])
    case language(LanguageModel, tokenizer: Tokenizer, metadata: [String: String])

    /// Reads `path`: a directory holding model.safetensors is a language model, a file an MNIST
    /// checkpoint. A checkpoint that is already quantised is refused.
    static func open(_ path: String) throws -> CompressionSubject {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw UserFacingError("\(path): no such file or directory")
        }
        let weights = isDirectory.boolValue ? path + "/" + LanguageModelCheckpoint.weightsFile : path
        let (_, header) = try SafeTensors.read(path: weights)
        if let scheme = header[ModelQuantization.metadataKey] {
            throw UserFacingError("\(weights): the checkpoint is already quantised (\(scheme)); quantise the float32 checkpoint it came from")
        }
        if isDirectory.boolValue {
            let (model, tokenizer, metadata) = try LanguageModelCheckpoint.load(directory: path)
            return .language(model, tokenizer: tokenizer, metadata: metadata)
        }
        let checkpoint = try ImageClassifierCheckpoint(path: path)
        var metadata = try TrainingCheckpoint.load(path: path).metadata
        metadata["format"] = nil
        return .image(checkpoint, metadata: metadata)
    }

    var module: Module {
        switch self {
        case .image(let c, _): c.model
        case .language(let m, _, _): m.module
        }
    }

    /// "mlp", "cnn", "gpt" or "lstm".
    var modelName: String {
        switch self {
        case .image(let c, _): c.kind.rawValue
        case .language(let m, _, _): m.architecture
        }
    }

    /// The file the weights go to under the output directory.
    static func weightsPath(out: String, for subject: CompressionSubject) -> String {
        switch subject {
        case .image: out + "/checkpoint.safetensors"
        case .language: out + "/" + LanguageModelCheckpoint.weightsFile
        }
    }

    /// Writes `weights` (safetensors entries by model key) with `extra` metadata under `out`,
    /// in the form the loaders of `strata evaluate`/`predict`/`generate` read.
    func write(weights: [String: SafeTensorsEntry], extra: [String: String], to out: String) throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        switch self {
        case .image(_, let metadata):
            var entries: [String: SafeTensorsEntry] = [:]
            for (k, e) in weights { entries["model." + k] = e }
            var header = metadata.merging(extra) { _, new in new }
            header["format"] = "strata-compressed-model-1"
            try SafeTensors.write(entries, metadata: header, to: Self.weightsPath(out: out, for: self))
        case .language(let model, let tokenizer, let metadata):
            var header = metadata.merging(extra) { _, new in new }
            for k in ["architecture", "config", "tokenizer"] { header[k] = nil }
            try LanguageModelCheckpoint.save(model, tokenizer: tokenizer, to: out, metadata: header, weights: weights)
        }
    }

    /// Figures of the model as it is now: test accuracy (MNIST) or validation loss (language
    /// models, on the corpus recorded in the checkpoint or `data`), and inference throughput.
    func measure(data: String?) throws -> [String: JSONValue] {
        switch self {
        case .image(let c, _):
            let directory = try c.dataset.locate(data)
            let test = try MNIST.load(directory: directory, split: .test, normalization: c.normalization)
            let trainer = Trainer(model: c.model, optimizer: SGD(c.model.parameters(), learningRate: 0))
            let start = Date()
            let scores = trainer.evaluate(DataLoader(test, batchSize: 1000))
            let seconds = Date().timeIntervalSince(start)
            return ["test_accuracy": JSONValue(scores["accuracy"] ?? .nan), "test_loss": JSONValue(scores["loss"] ?? .nan),
                    "images_per_second": JSONValue(Double(test.count) / seconds)]
        case .language(let model, let tokenizer, let metadata):
            guard let corpusPath = data ?? metadata["corpus"] else {
                throw UserFacingError("the checkpoint does not name its corpus: pass --data FILE to measure the validation loss")
            }
            let text: String
            do { text = try TextCorpus.read(path: corpusPath) } catch { throw UserFacingError("\(error)") }
            let corpus = try TextCorpus(text: text, tokenizer: tokenizer, name: corpusPath)
            var config = LanguageModelTrainingConfig()
            config.context = {
                switch model {
                case .gpt(let g): g.config.context
                case .lstm: 64
                }
            }()
            guard corpus.validation.count > config.context + 1 else {
                throw UserFacingError("\(corpusPath): the validation part is shorter than one window of \(config.context) tokens")
            }
            let trainer = LanguageModelTrainer(model: model.module, corpus: corpus, config: config) { model.logits($0) }
            let start = Date()
            let loss = trainer.validationLoss()
            model.module.train(false)
            let seconds = Date().timeIntervalSince(start)
            let tokens = ((corpus.validation.count - 1) / config.context) * config.context
            return ["val_loss": JSONValue(loss), "tokens_per_second": JSONValue(Double(tokens) / seconds)]
        }
    }

    /// Reads back a checkpoint written by `write` (under `out`).
    static func reopen(out: String, like subject: CompressionSubject) throws -> CompressionSubject {
        switch subject {
        case .image(_, let metadata):
            return .image(try ImageClassifierCheckpoint(path: weightsPath(out: out, for: subject)), metadata: metadata)
        case .language:
            let (model, tokenizer, metadata) = try LanguageModelCheckpoint.load(directory: out)
            return .language(model, tokenizer: tokenizer, metadata: metadata)
        }
    }
}

/// Bytes of a file on disk (0 when it cannot be read).
func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}
