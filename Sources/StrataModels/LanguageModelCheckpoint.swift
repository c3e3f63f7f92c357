import Foundation
import StrataCore
import StrataData
import StrataIO
import StrataNN

/// A trained language model of either family, with what generation and training need from it.
public enum LanguageModel {
    case gpt(GPT)
    case lstm(LSTMLanguageModel)

    /// The architecture's name: "gpt" or "lstm".
    public var architecture: String {
        switch self {
        case .gpt: "gpt"
        case .lstm: "lstm"
        }
    }

    /// The model as a `Module` (for its parameters and state dict).
    public var module: Module {
        switch self {
        case .gpt(let m): m
        case .lstm(let m): m
        }
    }

    /// Next-token logits `[B, T, vocabulary]` for ids `[B, T]`.
    public func logits(_ ids: Tensor) -> Tensor {
        switch self {
        case .gpt(let m): m(ids)
        case .lstm(let m): m(ids).logits
        }
    }

    /// A new incremental decoder for generation (the model's `decoder()`).
    public func decoder() -> IncrementalDecoder {
        switch self {
        case .gpt(let m): m.decoder()
        case .lstm(let m): m.decoder()
        }
    }

    /// Tokens in the model's vocabulary.
    public var vocabularySize: Int {
        switch self {
        case .gpt(let m): m.config.vocabularySize
        case .lstm(let m): m.config.vocabularySize
        }
    }

    /// The model's shape as JSON (the `config` stored in its checkpoint).
    public func configJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = switch self {
        case .gpt(let m): try encoder.encode(m.config)
        case .lstm(let m): try encoder.encode(m.config)
        }
        return String(decoding: data, as: UTF8.self)
    }
}


/// A language model saved in the ``ModelDirectory`` layout: `model.safetensors` (weights; the kind
/// `gpt` or `lstm`, its config and the tokenizer kind in the header metadata, repeated in
/// `config.json`) beside the tokenizer's files
/// (`tokenizer.json` for characters, `vocab.json` + `merges.txt` for GPT-2 BPE), so that the
/// directory is all `strata generate` needs.
///
/// ```swift
/// try LanguageModelCheckpoint.save(.gpt(gpt), tokenizer: tokenizer, to: "runs/shakespeare-gpt")
/// let (model, tokenizer, metadata) = try LanguageModelCheckpoint.load(directory: "runs/shakespeare-gpt")
/// ```
public enum LanguageModelCheckpoint {
    /// The name of the weights file in a checkpoint directory.
    public static let weightsFile = ModelDirectory.weightsFile

    /// Writes the model and its tokenizer into `directory` (created if needed). Each file is
    /// written to a temporary name and renamed, so a reader never sees a half-written file.
    ///
    /// `weights` replaces the model's float32 state dict (the packed entries of `strata quantize`).
    public static func save(_ model: LanguageModel, tokenizer: Tokenizer, to directory: String,
                            metadata extra: [String: String] = [:], weights: [String: SafeTensorsEntry]? = nil) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var metadata = extra
        switch tokenizer {
        case let chars as CharacterTokenizer:
            metadata["tokenizer"] = "char"
            try chars.save(to: directory + "/tokenizer.json")
        case let bpe as GPT2Tokenizer:
            metadata["tokenizer"] = "gpt2"
            for (name, source) in [("vocab.json", bpe.vocabularyPath), ("merges.txt", bpe.mergesPath)] {
                let target = directory + "/" + name
                guard source != target else { continue }
                try AtomicFile.write(try FileBytes.read(path: source), to: target)
            }
        default:
            throw FileError(path: directory, reason: "cannot save a tokenizer of type \(type(of: tokenizer))")
        }
        try ModelDirectory.write(weights ?? model.module.stateDict().mapValues { SafeTensorsEntry(tensor: $0) },
                                 kind: model.architecture, config: try model.configJSON(), metadata: metadata, to: directory)
    }

    /// Reads a directory written by `save` (any format version), or a Hugging Face GPT-2 folder:
    /// the model (weights loaded strictly), its tokenizer and the metadata. Missing files, an
    /// unknown architecture or weights that do not fit the config are errors naming the file.
    public static func load(directory: String) throws -> (model: LanguageModel, tokenizer: Tokenizer, metadata: [String: String]) {
        let weightsPath = directory + "/" + weightsFile
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            throw FileError(path: directory, reason: "no \(weightsFile) here; expected a directory written by 'strata train lm'")
        }
        let (entries, metadata) = try SafeTensors.read(path: weightsPath)
        if !ModelDirectory.namesKind(metadata), let gpt2 = try huggingFaceGPT2(directory: directory) { return gpt2 }
        let header = try ModelDirectory.header(path: weightsPath, metadata: metadata)
        let quantization = try QuantizationSpec(metadata: metadata, path: weightsPath)
        func field(_ key: String) throws -> String {
            guard let value = metadata[key] else {
                throw FileError(path: weightsPath, reason: "metadata has no '\(key)'; not a Strata language model")
            }
            return value
        }
        guard let config = header.config else { throw FileError(path: weightsPath, reason: "metadata has no 'config'") }
        let configData = Data(config.utf8)
        let storedValues = entries.values.reduce(0) { $0 + $1.elementCount }
        let model: LanguageModel
        do {
            switch header.kind {
            case "gpt":
                let config = try JSONDecoder().decode(GPT.Config.self, from: configData)
                try config.validate(source: weightsPath)
                try ConfigCheck(source: weightsPath).parameters(config.parameterEstimate, storedValues: storedValues, key: "config")
                model = .gpt(GPT(config))
            case "lstm":
                let config = try JSONDecoder().decode(LSTMLanguageModel.Config.self, from: configData)
                try config.validate(source: weightsPath)
                try ConfigCheck(source: weightsPath).parameters(config.parameterEstimate, storedValues: storedValues, key: "config")
                model = .lstm(LSTMLanguageModel(config))
            case let other: throw FileError(path: weightsPath, reason: "unknown kind '\(other)' (expected gpt or lstm)")
            }
        } catch let error as DecodingError {
            throw FileError(path: weightsPath, reason: "malformed config in metadata: \(DecodingErrorText.describe(error))")
        }
        do {
            if let quantization {
                try ModelQuantization.load(entries, spec: quantization, into: model.module, path: weightsPath)
            } else {
                var tensors: [String: Tensor] = [:]
                for (k, e) in entries { tensors[k] = try e.tensor(key: k, path: weightsPath) }
                try model.module.loadStateDict(tensors)
            }
        } catch let error as QuantizationError {
            throw FileError(path: weightsPath, reason: error.description)
        } catch {
            throw FileError(path: weightsPath, reason: "weights do not fit the config: \(error)")
        }
        let tokenizer: Tokenizer
        switch try field("tokenizer") {
        case "char":
            let path = directory + "/tokenizer.json"
            guard FileManager.default.fileExists(atPath: path) else {
                throw FileError(path: directory, reason: "the checkpoint has no tokenizer.json (its character vocabulary); copy it from the training run's directory")
            }
            tokenizer = try CharacterTokenizer.load(path: path)
        case "gpt2":
            for name in ["vocab.json", "merges.txt"] where !FileManager.default.fileExists(atPath: directory + "/" + name) {
                throw FileError(path: directory, reason: "the checkpoint has no \(name) (GPT-2 tokenizer); copy vocab.json and merges.txt from Data/gpt2-tokenizer")
            }
            tokenizer = try GPT2Tokenizer(directory: directory)
        case let other:
            throw FileError(path: weightsPath, reason: "unknown tokenizer '\(other)' (expected char or gpt2)")
        }
        guard tokenizer.vocabularySize <= model.vocabularySize else {
            throw FileError(path: directory, reason: "the tokenizer has \(tokenizer.vocabularySize) tokens but the model only \(model.vocabularySize)")
        }
        model.module.train(false)
        return (model, tokenizer, metadata)
    }

    /// A Hugging Face GPT-2 folder (`config.json` with `"model_type": "gpt2"`, `model.safetensors`,
    /// `vocab.json` and `merges.txt`), loaded with ``GPT/init(huggingFaceDirectory:)``; nil when
    /// `config.json` does not name GPT-2.
    static func huggingFaceGPT2(directory: String) throws -> (model: LanguageModel, tokenizer: Tokenizer, metadata: [String: String])? {
        let configPath = directory + "/config.json"
        guard FileManager.default.fileExists(atPath: configPath),
              let type = try JSONDocument(path: configPath, maximumBytes: 1 << 20).root.optionalMember("model_type"),
              try type.string() == "gpt2" else { return nil }
        let gpt = try GPT(huggingFaceDirectory: directory)
        for name in ["vocab.json", "merges.txt"] where !FileManager.default.fileExists(atPath: directory + "/" + name) {
            throw FileError(path: directory, reason: "the GPT-2 folder has no \(name) (its tokenizer)")
        }
        let tokenizer = try GPT2Tokenizer(directory: directory)
        guard tokenizer.vocabularySize <= gpt.config.vocabularySize else {
            throw FileError(path: directory, reason: "the tokenizer has \(tokenizer.vocabularySize) tokens but the model only \(gpt.config.vocabularySize)")
        }
        return (.gpt(gpt), tokenizer, ["kind": "gpt", "source": "huggingface"])
    }
}
