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

    struct CompletionChoice: Encodable {
        let text: String
        let index: Int
        let finishReason: String?
        enum CodingKeys: String, CodingKey { case text, index, logprobs, finish_reason }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(text, forKey: .text)
            try c.encode(index, forKey: .index)
            try c.encodeNil(forKey: .logprobs)
            try c.encode(finishReason, forKey: .finish_reason)
        }
    }

    /// `/v1/completions`, whole or one streamed chunk (the same object).
    struct Completion: Encodable {
        let id: String
        var object = "text_completion"
        let created: Int
        let model: String
        let choices: [CompletionChoice]
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

    struct Message: Encodable {
        let role: String
        let content: String
    }

    struct ChatChoice: Encodable {
        let index: Int
        let message: Message
        let finishReason: String?
        enum CodingKeys: String, CodingKey { case index, message, logprobs, finish_reason }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(message, forKey: .message)
            try c.encodeNil(forKey: .logprobs)
            try c.encode(finishReason, forKey: .finish_reason)
        }
    }

    struct ChatCompletion: Encodable {
        let id: String
        var object = "chat.completion"
        let created: Int
        let model: String
        let choices: [ChatChoice]
        let usage: Usage
    }

    struct Delta: Encodable {
        var role: String?
        var content: String?
    }

    struct ChunkChoice: Encodable {
        let index: Int
        let delta: Delta
        let finishReason: String?
        enum CodingKeys: String, CodingKey { case index, delta, logprobs, finish_reason }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(delta, forKey: .delta)
            try c.encodeNil(forKey: .logprobs)
            try c.encode(finishReason, forKey: .finish_reason)
        }
    }

    struct ChatChunk: Encodable {
        let id: String
        var object = "chat.completion.chunk"
        let created: Int
        let model: String
        let choices: [ChunkChoice]
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
