import Foundation
import Strata

/// A trained model read for compression: an MNIST classifier or a language model (each a
/// ``ModelDirectory``; an MNIST checkpoint file of format 1 also reads), with what is needed to
/// measure it and to write it back in the same layout.
enum CompressionSubject {
    case image(ImageClassifierCheckpoint, metadata: [String: String])
    case language(LanguageModel, tokenizer: Tokenizer, metadata: [String: String])

    /// Reads `path`, a model directory (or an MNIST checkpoint file of format 1), by the kind
    /// its metadata names. A checkpoint that is already quantised is refused.
    static func open(_ path: String) throws -> CompressionSubject {
        let subject: CompressionSubject
        switch try LoadedModel.load(path) {
        case .imageClassifier(let checkpoint): subject = .image(checkpoint, metadata: checkpoint.metadata)
        case .languageModel(let model, let tokenizer, let metadata): subject = .language(model, tokenizer: tokenizer, metadata: metadata)
        case let other: throw UserFacingError("\(path): a \(other.kind) model; quantize, prune and distill take mlp, cnn, gpt and lstm models")
        }
        if let scheme = subject.metadata[ModelQuantization.metadataKey] {
            throw UserFacingError("\(path): the checkpoint is already quantised (\(scheme)); quantise the float32 checkpoint it came from")
        }
        return subject
    }

    /// The metadata the model was read with.
    var metadata: [String: String] {
        switch self {
        case .image(_, let metadata), .language(_, _, let metadata): metadata
        }
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
    static func weightsPath(out: String) -> String { out + "/" + ModelDirectory.weightsFile }

    /// Writes `weights` (safetensors entries by model key) with `extra` metadata under `out`,
    /// in the form the loaders of `strata evaluate`/`predict`/`generate` read.
    func write(weights: [String: SafeTensorsEntry], extra: [String: String], to out: String) throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        switch self {
        case .image(let checkpoint, let metadata):
            try ImageClassifierCheckpoint.save(checkpoint.model, kind: checkpoint.kind, dataset: checkpoint.dataset,
                                               normalization: checkpoint.normalization, metadata: Self.carried(metadata).merging(extra) { _, new in new },
                                               weights: weights, to: out)
        case .language(let model, let tokenizer, let metadata):
            try LanguageModelCheckpoint.save(model, tokenizer: tokenizer, to: out,
                                             metadata: Self.carried(metadata).merging(extra) { _, new in new }, weights: weights)
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
            let (corpus, corpusPath) = try Self.corpus(data: data, metadata: metadata, tokenizer: tokenizer)
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

    /// A language model's text: `data`, or the corpus its checkpoint names (`corpus`), under
    /// `tokenizer`; and the file's path.
    static func corpus(data: String?, metadata: [String: String], tokenizer: Tokenizer) throws -> (TextCorpus, path: String) {
        guard let path = data ?? metadata["corpus"] else {
            throw UserFacingError("the checkpoint does not name its corpus: pass --data FILE")
        }
        let text: String
        do { text = try TextCorpus.read(path: path) } catch { throw UserFacingError("\(error)") }
        return (try TextCorpus(text: text, tokenizer: tokenizer, name: path), path)
    }

    /// The metadata of a model that carries over to a compressed copy: all but format 1's training
    /// progress. The writers set the rest themselves (`ModelDirectory.write`: kind, config, format
    /// version, without format 1's kind keys; the savers: tokenizer, dataset, normalisation).
    static func carried(_ metadata: [String: String]) -> [String: String] {
        let progress: Set = ["format", "epoch", "global_step", "history", "random_state", "data_state"]
        return metadata.filter { !progress.contains($0.key) }
    }

    /// Reads back a checkpoint written by `write` (under `out`).
    static func reopen(out: String, like subject: CompressionSubject) throws -> CompressionSubject {
        switch subject {
        case .image(_, let metadata):
            return .image(try ImageClassifierCheckpoint(path: out), metadata: metadata)
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
