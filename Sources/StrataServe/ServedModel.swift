import Foundation
import Strata

/// A model the server answers for, under its name, with what serves it.
public final class ServedModel: @unchecked Sendable {
    // @unchecked Sendable: immutable after init; each worker guards its own model.

    /// What kind of model a path holds, told apart by its files (``LoadedModel/kind(of:)``).
    public typealias Kind = LoadedModel.Kind

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

    /// Loads the model at `path` and starts what serves it.
    static func load(name: String, path: String, options: ServeOptions, metrics: ServerMetrics) throws -> ServedModel {
        func scheduler(_ backend: SequenceBackend, _ tokenizer: Tokenizer, endOfGeneration: Set<Int>) -> GenerationScheduler {
            GenerationScheduler(name: name, backend: backend, tokenizer: tokenizer, endOfGeneration: endOfGeneration,
                                maxActive: options.maxConcurrent, maxQueue: options.maxQueue,
                                maxBatchTokens: options.maxBatchTokens, metrics: metrics)
        }
        let model = try LoadedModel.load(path)
        switch model {
        case .llama(let pretrained):
            return ServedModel(name: name, kind: model.kind, path: path,
                               scheduler: scheduler(LlamaBackend(model: pretrained.model), pretrained.tokenizer,
                                                    endOfGeneration: pretrained.tokenizer.endOfGeneration),
                               tokenizer: pretrained.tokenizer, chatTemplate: try? pretrained.chatTemplate(),
                               context: pretrained.model.config.context)
        case .languageModel(let lm, let tokenizer, _):
            return ServedModel(name: name, kind: model.kind, path: path,
                               scheduler: scheduler(CheckpointBackend(model: lm), tokenizer, endOfGeneration: []), tokenizer: tokenizer)
        case .sentenceEncoder(let encoder):
            return ServedModel(name: name, kind: model.kind, path: path,
                               embeddings: EmbeddingBatcher(name: name, encoder: encoder, maxQueue: options.maxQueue, metrics: metrics))
        case .imageClassifier(let classifier):
            return ServedModel(name: name, kind: model.kind, path: path, worker: SerialWorker(name: "classify-\(name)"), classifier: classifier)
        case .recommender(let recommender):
            return ServedModel(name: name, kind: model.kind, path: path, worker: SerialWorker(name: "recommend-\(name)"), recommender: recommender)
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
