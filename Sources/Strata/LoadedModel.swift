import Foundation

/// The one entry point that loads any model Strata can run, telling its kind from its files: a
/// ``ModelDirectory`` written by `strata train` (or quantize, prune, distill), whose metadata
/// names the kind; a Llama-family GGUF file; a sentence-transformers (BERT) folder; a Hugging
/// Face GPT-2 folder; or a format-1 MNIST checkpoint file.
///
/// ```swift
/// switch try LoadedModel.load("runs/mnist") {
/// case .imageClassifier(let classifier): print(classifier.kind)          // mlp
/// case .languageModel(let model, let tokenizer, _): print(model.architecture, tokenizer.vocabularySize)
/// default: break
/// }
/// ```
public enum LoadedModel {
    /// A Llama-architecture GGUF file with its tokenizer.
    case llama(PretrainedLlama)
    /// A sentence-transformers folder.
    case sentenceEncoder(SentenceEncoder)
    /// A GPT or LSTM with its tokenizer and metadata (`strata train lm`, or a GPT-2 folder).
    case languageModel(LanguageModel, tokenizer: Tokenizer, metadata: [String: String])
    /// An MLP or CNN image classifier (`strata train mnist`).
    case imageClassifier(ImageClassifierCheckpoint)
    /// MF, DeepFM or LightGCN with its id maps (`strata train recommender`).
    case recommender(RecommenderCheckpoint)

    /// The families of models, told apart by ``kind(of:)`` before loading.
    public enum Kind: String, Sendable, CaseIterable {
        /// A Llama-architecture GGUF file with a tokenizer.
        case llama
        /// A GPT or LSTM (`strata train lm`, or a Hugging Face GPT-2 folder).
        case languageModel = "language-model"
        /// A sentence-transformers (BERT) folder.
        case sentenceEncoder = "sentence-encoder"
        /// An MLP or CNN (`strata train mnist`).
        case imageClassifier = "image-classifier"
        /// MF, DeepFM or LightGCN (`strata train recommender`).
        case recommender
    }

    /// The family of this model.
    public var kind: Kind {
        switch self {
        case .llama: .llama
        case .sentenceEncoder: .sentenceEncoder
        case .languageModel: .languageModel
        case .imageClassifier: .imageClassifier
        case .recommender: .recommender
        }
    }

    /// Loads the model at `path`, by the kind ``kind(of:)`` tells.
    public static func load(_ path: String) throws -> LoadedModel {
        switch try kind(of: path) {
        case .llama: return .llama(try PretrainedLlama(path: path))
        case .sentenceEncoder: return .sentenceEncoder(try SentenceEncoder(directory: path))
        case .languageModel:
            let (model, tokenizer, metadata) = try LanguageModelCheckpoint.load(directory: path)
            return .languageModel(model, tokenizer: tokenizer, metadata: metadata)
        case .imageClassifier: return .imageClassifier(try ImageClassifierCheckpoint(path: path))
        case .recommender: return .recommender(try RecommenderCheckpoint(directory: path))
        }
    }

    /// What `path` holds, from its files alone: a GGUF file (by its magic); a model directory (by
    /// the kind in its weights' metadata); a sentence-transformers folder (`modules.json`,
    /// `sentence_bert_config.json`, or a `config.json` of `model_type` bert); a GPT-2 folder
    /// (`model_type` gpt2); a format-1 MNIST checkpoint (a `.safetensors` file, or a directory
    /// holding `checkpoint.safetensors`). Anything else throws a ``FileError`` naming the path.
    public static func kind(of path: String) throws -> Kind {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else { throw FileError(path: path, "no such file or directory") }
        if !isDirectory.boolValue {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw FileError(path: path, "cannot be opened for reading") }
            defer { try? handle.close() }
            if (try? handle.read(upToCount: 4)) == Data("GGUF".utf8) { return .llama }
            if path.hasSuffix(".safetensors") { return .imageClassifier }
            throw FileError(path: path, "not a GGUF file (no GGUF magic) nor a .safetensors checkpoint from 'strata train mnist'")
        }
        func has(_ name: String) -> Bool { manager.fileExists(atPath: path + "/" + name) }
        // Pretrained folders first: they hold a model.safetensors whose header names no kind.
        if has("modules.json") || has("sentence_bert_config.json") { return .sentenceEncoder }
        if has(ModelDirectory.configFile),
           let config = try? JSONDocument(path: path + "/" + ModelDirectory.configFile, maximumBytes: 1 << 20),
           let type = try? config.root.optionalMember("model_type")?.string() {
            switch type {
            case "bert": return .sentenceEncoder
            case "gpt2": return .languageModel
            default: throw FileError(path: path + "/" + ModelDirectory.configFile, key: "model_type",
                                     "'\(type)' is not a model type Strata loads from a folder (bert, gpt2)")
            }
        }
        if has(ModelDirectory.weightsFile) {
            let header = try ModelDirectory.header(of: path)
            switch header.kind {
            case ImageModelKind.mlp.rawValue, ImageModelKind.cnn.rawValue: return .imageClassifier
            case "gpt", "lstm": return .languageModel
            case let other where RecommenderKind(rawValue: other) != nil: return .recommender
            case let other: throw FileError(path: header.path, key: "kind", "'\(other)' is not a kind of model Strata knows")
            }
        }
        if has(ImageClassifierCheckpoint.formatOneFile) { return .imageClassifier }
        throw FileError(path: path, "cannot tell what model this folder holds (expected a GGUF file, a directory written by 'strata train', or a sentence-transformers or GPT-2 folder)")
    }
}
