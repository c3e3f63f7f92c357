import Foundation
import Strata

/// A model the server answers for, under its name, with what serves it.
public final class ServedModel: @unchecked Sendable {
    // @unchecked Sendable: immutable after init; each worker guards its own model.

    /// What kind of model a path holds, told apart by its files.
    public enum Kind: String, Sendable {
        /// A Llama-architecture GGUF file with a tokenizer: completions and chat.
        case llama
        /// A `strata train lm` checkpoint (GPT or LSTM): completions.
        case languageModel = "language-model"
        /// A sentence-transformers (BERT) folder: embeddings.
        case sentenceEncoder = "sentence-encoder"
        /// A `strata train mnist` checkpoint: classify.
        case imageClassifier = "image-classifier"
        /// A `strata train recommender` checkpoint: recommend and predict-rating.
        case recommender
    }

    public let name: String
    public let kind: Kind
    /// The path it was loaded from (shown only to the operator, never in responses).
    let path: String
    let created: Int

    // Generative models.
    let scheduler: GenerationScheduler?
    let tokenizer: Tokenizer?
    let chatTemplate: ChatTemplate?
    let context: Int?
    // Embeddings.
    let embeddings: EmbeddingBatcher?
    // Classify and recommend (one job at a time).
    let worker: SerialWorker?
    let classifier: ImageClassifierCheckpoint?
    let recommender: RecommenderCheckpoint?

    private init(name: String, kind: Kind, path: String, scheduler: GenerationScheduler? = nil, tokenizer: Tokenizer? = nil,
                 chatTemplate: ChatTemplate? = nil, context: Int? = nil, embeddings: EmbeddingBatcher? = nil,
                 worker: SerialWorker? = nil, classifier: ImageClassifierCheckpoint? = nil, recommender: RecommenderCheckpoint? = nil) {
        self.name = name; self.kind = kind; self.path = path; self.scheduler = scheduler; self.tokenizer = tokenizer
        self.chatTemplate = chatTemplate; self.context = context; self.embeddings = embeddings; self.worker = worker
        self.classifier = classifier; self.recommender = recommender
        created = Int(Date().timeIntervalSince1970)
    }

    /// Tells what `path` holds: a GGUF file (by its magic), a safetensors file (an image
    /// classifier), or a folder: ids.json (recommender), modules.json / sentence_bert_config.json
    /// / a BERT config.json (sentence encoder), or a config.json naming a gpt/lstm architecture
    /// (language model). Throws a ``ModelLoadError`` naming the path otherwise.
    public static func detectKind(path: String) throws -> Kind {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ModelLoadError(path: path, "no such file or directory") }
        if !isDirectory.boolValue {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw ModelLoadError(path: path, "cannot be opened for reading") }
            defer { try? handle.close() }
            let magic = (try? handle.read(upToCount: 4)) ?? Data()
            if magic == Data("GGUF".utf8) { return .llama }
            if path.hasSuffix(".safetensors") { return .imageClassifier }
            throw ModelLoadError(path: path, "not a GGUF file (no GGUF magic) nor a .safetensors checkpoint from 'strata train mnist'")
        }
        func has(_ name: String) -> Bool { manager.fileExists(atPath: path + "/" + name) }
        if has("ids.json") && has("model.safetensors") { return .recommender }
        if has("modules.json") || has("sentence_bert_config.json") { return .sentenceEncoder }
        if has("config.json") {
            let config = try JSONDocument(path: path + "/config.json", maximumBytes: 1 << 20)
            if let architecture = try? config.root.optionalMember("architecture")?.string(), ["gpt", "lstm"].contains(architecture) {
                return .languageModel
            }
            if let type = try? config.root.optionalMember("model_type")?.string(), type == "bert" { return .sentenceEncoder }
        }
        throw ModelLoadError(path: path, "cannot tell what model this folder holds (expected a GGUF file, a 'strata train lm', 'train mnist' or 'train recommender' checkpoint, or a sentence-transformers folder)")
    }

    /// Loads the model at `path` and starts what serves it.
    static func load(name: String, path: String, options: ServeOptions, metrics: ServerMetrics) throws -> ServedModel {
        let kind = try detectKind(path: path)
        switch kind {
        case .llama:
            let pretrained = try PretrainedLlama(path: path)
            let template = try? ChatTemplate(gguf: pretrained.file)
            let scheduler = GenerationScheduler(name: name, backend: LlamaBackend(model: pretrained.model), tokenizer: pretrained.tokenizer,
                                                endOfGeneration: pretrained.tokenizer.endOfGeneration, maxActive: options.maxConcurrent,
                                                maxQueue: options.maxQueue, maxBatchTokens: options.maxBatchTokens, metrics: metrics)
            return ServedModel(name: name, kind: kind, path: path, scheduler: scheduler, tokenizer: pretrained.tokenizer,
                               chatTemplate: template, context: pretrained.model.config.context)
        case .languageModel:
            let (model, tokenizer, _) = try LanguageModelCheckpoint.load(directory: path)
            let scheduler = GenerationScheduler(name: name, backend: CheckpointBackend(model: model), tokenizer: tokenizer,
                                                endOfGeneration: [], maxActive: options.maxConcurrent,
                                                maxQueue: options.maxQueue, maxBatchTokens: options.maxBatchTokens, metrics: metrics)
            return ServedModel(name: name, kind: kind, path: path, scheduler: scheduler, tokenizer: tokenizer)
        case .sentenceEncoder:
            let encoder = try SentenceEncoder(directory: path)
            return ServedModel(name: name, kind: kind, path: path,
                               embeddings: EmbeddingBatcher(name: name, encoder: encoder, maxQueue: options.maxQueue, metrics: metrics))
        case .imageClassifier:
            return ServedModel(name: name, kind: kind, path: path, worker: SerialWorker(name: "classify-\(name)"),
                               classifier: try ImageClassifierCheckpoint(path: path))
        case .recommender:
            return ServedModel(name: name, kind: kind, path: path, worker: SerialWorker(name: "recommend-\(name)"),
                               recommender: try RecommenderCheckpoint(directory: path))
        }
    }

    /// Stops the model's worker threads (their waiting requests are cancelled).
    func shutdown() {
        scheduler?.shutdown()
        embeddings?.shutdown()
        worker?.shutdown()
    }
}

/// A model path that cannot be served.
public struct ModelLoadError: Error, CustomStringConvertible, LocalizedError {
    public let path: String
    public let reason: String
    public init(path: String, _ reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
    public var errorDescription: String? { description }
}
