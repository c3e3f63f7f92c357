import Foundation

/// The JSON shapes of OpenAI's API that the server writes (see platform.openai.com/docs/api-reference).
/// Optional fields that OpenAI writes as `null` are encoded explicitly.
enum OpenAI {
    struct Usage: Encodable {
        let prompt_tokens: Int
        let completion_tokens: Int
        let total_tokens: Int
        init(prompt: Int, completion: Int) { prompt_tokens = prompt; completion_tokens = completion; total_tokens = prompt + completion }
    }

    /// One choice of a completion object: `index`, the content under its key (`text`, `message`
    /// or `delta`), `logprobs` (null) and `finish_reason`.
    struct Choice<Content: Encodable>: Encodable {
        let key: String
        let content: Content
        let finishReason: String?

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(0, forKey: Key("index"))
            try c.encode(content, forKey: Key(key))
            try c.encodeNil(forKey: Key("logprobs"))
            try c.encode(finishReason, forKey: Key("finish_reason"))
        }
    }

    /// A completion object, whole or one streamed chunk: `id`, `object`, `created`, `model`, one
    /// choice, and `usage` when given. Made by ``completion(id:created:model:text:finishReason:usage:)``,
    /// ``chatCompletion(id:created:model:message:finishReason:usage:)`` and ``chatChunk(id:created:model:delta:finishReason:usage:)``.
    struct Envelope<Content: Encodable>: Encodable {
        let id: String
        let object: String
        let created: Int
        let model: String
        let choices: [Choice<Content>]
        let usage: Usage?

        enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(object, forKey: .object)
            try c.encode(created, forKey: .created)
            try c.encode(model, forKey: .model)
            try c.encode(choices, forKey: .choices)
            try c.encodeIfPresent(usage, forKey: .usage)
        }
    }

    /// `/v1/completions`, whole or one streamed chunk (the same object).
    static func completion(id: String, created: Int, model: String, text: String, finishReason: String?, usage: Usage?) -> Envelope<String> {
        Envelope(id: id, object: "text_completion", created: created, model: model,
                 choices: [Choice(key: "text", content: text, finishReason: finishReason)], usage: usage)
    }

    /// `/v1/chat/completions`, whole.
    static func chatCompletion(id: String, created: Int, model: String, message: Message, finishReason: String?, usage: Usage) -> Envelope<Message> {
        Envelope(id: id, object: "chat.completion", created: created, model: model,
                 choices: [Choice(key: "message", content: message, finishReason: finishReason)], usage: usage)
    }

    /// `/v1/chat/completions`, one streamed chunk.
    static func chatChunk(id: String, created: Int, model: String, delta: Delta, finishReason: String?, usage: Usage?) -> Envelope<Delta> {
        Envelope(id: id, object: "chat.completion.chunk", created: created, model: model,
                 choices: [Choice(key: "delta", content: delta, finishReason: finishReason)], usage: usage)
    }

    struct Message: Encodable {
        let role: String
        let content: String
    }

    struct Delta: Encodable {
        var role: String?
        var content: String?
    }

    /// A coding key spelled at run time (a choice's content key).
    struct Key: CodingKey {
        let stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    /// One embedding: floats, or their little-endian float32 bytes in base64 (`encoding_format: "base64"`).
    struct Embedding: Encodable {
        var object = "embedding"
        let index: Int
        let vector: [Float]
        let base64: Bool
        enum CodingKeys: String, CodingKey { case object, index, embedding }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(object, forKey: .object)
            try c.encode(index, forKey: .index)
            if base64 {
                var bytes = [UInt8]()
                bytes.reserveCapacity(vector.count * 4)
                for v in vector { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
                try c.encode(Data(bytes).base64EncodedString(), forKey: .embedding)
            } else {
                try c.encode(vector, forKey: .embedding)
            }
        }
    }

    struct EmbeddingUsage: Encodable {
        let prompt_tokens: Int
        let total_tokens: Int
    }

    struct EmbeddingList: Encodable {
        var object = "list"
        let data: [Embedding]
        let model: String
        let usage: EmbeddingUsage
    }

    struct Model: Encodable {
        let id: String
        var object = "model"
        let created: Int
        var owned_by = "strata"
        /// Strata's own field: what the model serves (llama, sentence-encoder, ...).
        let kind: String
    }

    struct ModelList: Encodable {
        var object = "list"
        let data: [Model]
    }
}

/// Strata's own task responses.
enum StrataAPI {
    struct ClassProbability: Encodable {
        let index: Int
        let label: String
        let probability: Float
    }

    struct Classification: Encodable {
        var object = "classification"
        let model: String
        let index: Int
        let label: String
        let probability: Float
        let probabilities: [ClassProbability]
    }

    struct ScoredItem: Encodable {
        let item: String
        let score: Float
    }

    struct Recommendation: Encodable {
        var object = "recommendation"
        let model: String
        let user: String
        let items: [ScoredItem]
    }

    struct RatingPrediction: Encodable {
        var object = "rating_prediction"
        let model: String
        let user: String
        let item: String
        let score: Float
        /// True when `score` is a predicted rating (matrix factorisation), false for a ranking score or click probability.
        let is_rating: Bool
    }

    struct Health: Encodable {
        let status: String
        let models: [String]
    }
}

// Streamed chunks cross into the response writer's task.
extension OpenAI.Choice: Sendable where Content: Sendable {}
extension OpenAI.Envelope: Sendable where Content: Sendable {}
