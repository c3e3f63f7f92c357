import Foundation
import Hummingbird
import NIOCore
import Strata

/// The parameters shared by `/v1/completions` and `/v1/chat/completions`.
struct SamplingParameters {
    var maxTokens: Int?
    var temperature: Double
    var topP: Double?
    var seed: UInt64
    var stop: [String]
    var stream: Bool
    var includeUsage: Bool

    init(_ body: JSONRequest, maxTokensKeys: [String]) throws {
        maxTokens = nil
        for key in maxTokensKeys {
            if let value = try body.int(key, in: 1...1_000_000) { maxTokens = value }
        }
        temperature = try body.double("temperature", in: 0...2) ?? 1
        let p = try body.double("top_p", in: 0...1, openLower: true) ?? 1
        topP = p < 1 ? p : nil
        if let seed = try body.int("seed", in: Int.min...Int.max) {
            self.seed = UInt64(bitPattern: Int64(seed))
        } else {
            seed = UInt64.random(in: 0...UInt64.max)
        }
        stop = try body.strings("stop") ?? []
        guard stop.count <= 4 else { throw APIError.invalidRequest("'stop' takes at most 4 sequences, got \(stop.count)", param: "stop") }
        if let n = try body.int("n", in: 0...Int.max), n != 1 {
            throw APIError.invalidRequest("'n' must be 1 (one choice per request), got \(n)", param: "n")
        }
        for key in ["frequency_penalty", "presence_penalty"] { _ = try body.double(key, in: -2...2) }
        stream = try body.bool("stream") ?? false
        includeUsage = try body.node("stream_options").flatMap { options in
            try JSONRequest.lookBool(options, "include_usage")
        } ?? false
    }
}

extension JSONRequest {
    static func lookBool(_ node: JSONNode, _ key: String) throws -> Bool? {
        do { return try node.optionalMember(key)?.bool() } catch let error as FileError {
            throw APIError.invalidRequest("'\(error.keyPath)': \(error.message)", param: error.keyPath, code: "invalid_type")
        }
    }
}

extension StrataServer {
    /// `POST /v1/completions`: `prompt` continued.
    func completions(_ request: Request) async throws -> Response {
        let body = try JSONRequest(try await self.body(request))
        let model = try self.model(try body.string("model"), serving: [.llama, .languageModel], for: "/v1/completions")
        guard let prompts = try body.strings("prompt") else { throw APIError.invalidRequest("Missing required parameter: 'prompt'", param: "prompt") }
        guard prompts.count == 1 else {
            throw APIError.invalidRequest("'prompt' must be one string (got \(prompts.count)); send one request per prompt", param: "prompt")
        }
        var parameters = try SamplingParameters(body, maxTokensKeys: ["max_tokens"])
        if parameters.maxTokens == nil { parameters.maxTokens = 16 }          // OpenAI's default for completions
        let ids = try encode(prompts[0], model: model, allowSpecial: false)
        let generation = try submit(ids, model: model, parameters: parameters)
        let id = Self.identifier("cmpl-"), created = Int(Date().timeIntervalSince1970), name = model.name

        if parameters.stream {
            let includeUsage = parameters.includeUsage
            return streamingResponse(generation) { event in
                switch event {
                case .text(let text):
                    return OpenAI.completion(id: id, created: created, model: name, text: text, finishReason: nil, usage: nil)
                case .finished(let reason, let prompt, let completion):
                    return OpenAI.completion(id: id, created: created, model: name, text: "", finishReason: reason.rawValue,
                                             usage: includeUsage ? .init(prompt: prompt, completion: completion) : nil)
                }
            }
        }
        let (text, reason, usage) = try await collect(generation)
        return JSONOutput.response(OpenAI.completion(id: id, created: created, model: name, text: text,
                                                     finishReason: reason.rawValue, usage: usage))
    }

    /// `POST /v1/chat/completions`: the next assistant message of `messages`, through the model's chat template.
    func chatCompletions(_ request: Request) async throws -> Response {
        let body = try JSONRequest(try await self.body(request))
        let model = try self.model(try body.string("model"), serving: [.llama], for: "/v1/chat/completions")
        guard let template = model.chatTemplate else {
            throw APIError.invalidRequest("The model '\(model.name)' has no chat template it can use; call /v1/completions", param: "model",
                                          code: "model_not_supported")
        }
        let messages = try Self.messages(body)
        let parameters = try SamplingParameters(body, maxTokensKeys: ["max_tokens", "max_completion_tokens"])
        let ids = try encode(template.render(messages), model: model, allowSpecial: true)
        let generation = try submit(ids, model: model, parameters: parameters)
        let id = Self.identifier("chatcmpl-"), created = Int(Date().timeIntervalSince1970), name = model.name

        if parameters.stream {
            let includeUsage = parameters.includeUsage
            let first = OpenAI.chatChunk(id: id, created: created, model: name, delta: .init(role: "assistant", content: ""),
                                         finishReason: nil, usage: nil)
            return streamingResponse(generation, first: first) { event in
                switch event {
                case .text(let text):
                    return OpenAI.chatChunk(id: id, created: created, model: name, delta: .init(content: text), finishReason: nil, usage: nil)
                case .finished(let reason, let prompt, let completion):
                    return OpenAI.chatChunk(id: id, created: created, model: name, delta: .init(), finishReason: reason.rawValue,
                                            usage: includeUsage ? .init(prompt: prompt, completion: completion) : nil)
                }
            }
        }
        let (text, reason, usage) = try await collect(generation)
        return JSONOutput.response(OpenAI.chatCompletion(id: id, created: created, model: name,
                                                         message: .init(role: "assistant", content: text),
                                                         finishReason: reason.rawValue, usage: usage))
    }

    /// `messages`: a non-empty array of `{role, content}`, content a string or an array of text parts.
    static func messages(_ body: JSONRequest) throws -> [ChatMessage] {
        guard let node = try body.node("messages") else { throw APIError.invalidRequest("Missing required parameter: 'messages'", param: "messages") }
        do {
            let elements = try node.elements()
            guard !elements.isEmpty else { throw APIError.invalidRequest("'messages' must not be empty", param: "messages") }
            return try elements.map { element in
                let role = try element.member("role").string()
                guard ["system", "user", "assistant", "developer"].contains(role) else {
                    throw APIError.invalidRequest("'\(element.keyPath).role' must be system, user, assistant or developer, got \(role.debugDescription)",
                                                  param: element.keyPath + ".role")
                }
                let content = try element.member("content")
                let text: String
                if let s = try? content.string() {
                    text = s
                } else {
                    text = try content.elements().map { part in
                        guard try part.member("type").string() == "text" else { throw part.error("only text parts are supported") }
                        return try part.member("text").string()
                    }.joined()
                }
                return ChatMessage(role: role == "developer" ? "system" : role, content: text)
            }
        } catch let error as FileError {
            throw APIError.invalidRequest("'\(error.keyPath)': \(error.message)", param: error.keyPath, code: "invalid_type")
        }
    }

    /// The prompt's ids; an empty prompt is a 400.
    func encode(_ text: String, model: ServedModel, allowSpecial: Bool) throws -> [Int] {
        guard !text.isEmpty else { throw APIError.invalidRequest("The prompt is empty", param: "prompt", code: "empty_prompt") }
        let ids: [Int]
        do {
            if let gguf = model.tokenizer as? GGUFTokenizer { ids = try gguf.encode(text, allowSpecial: allowSpecial) } else { ids = try model.tokenizer!.encode(text) }
        } catch {
            throw APIError.invalidRequest("The prompt cannot be tokenised by the model's tokenizer: \(error)", param: "prompt")
        }
        guard !ids.isEmpty else { throw APIError.invalidRequest("The prompt has no tokens", param: "prompt", code: "empty_prompt") }
        return ids
    }

    /// Checks the lengths against the context and queues the generation (429 when the queue is full).
    func submit(_ ids: [Int], model: ServedModel, parameters: SamplingParameters) throws -> AsyncStream<GenerationEvent> {
        var maxTokens = parameters.maxTokens
        if let context = model.context {
            guard ids.count < context else {
                throw APIError.invalidRequest("The prompt is \(ids.count) tokens; the model's context is \(context) tokens", param: "messages",
                                              code: "context_length_exceeded")
            }
            if let m = maxTokens, ids.count + m > context {
                throw APIError.invalidRequest("max_tokens \(m) with a prompt of \(ids.count) tokens exceeds the model's context of \(context) tokens",
                                              param: "max_tokens", code: "context_length_exceeded")
            }
            maxTokens = maxTokens ?? context - ids.count
        }
        let request = GenerationRequest(prompt: ids, maxTokens: maxTokens ?? 256, temperature: parameters.temperature, topP: parameters.topP,
                                        seed: parameters.seed, stop: parameters.stop, deadline: deadline)
        return try model.scheduler!.submit(request)
    }

    /// The whole generation, for a non-streaming answer; a timeout is 408, a shutdown 503.
    func collect(_ generation: AsyncStream<GenerationEvent>) async throws -> (String, FinishReason, OpenAI.Usage) {
        var text = ""
        for await event in generation {
            switch event {
            case .text(let piece): text += piece
            case .finished(let reason, let prompt, let completion):
                switch reason {
                case .stop, .length: return (text, reason, .init(prompt: prompt, completion: completion))
                case .timeout: throw Self.timeoutError(options.timeout)
                case .cancelled: throw Self.cancelledError
                }
            }
        }
        throw Self.cancelledError      // the handler was cancelled
    }

    static func timeoutError(_ seconds: Double) -> APIError {
        APIError(status: .requestTimeout, message: "The request took longer than the server's limit of \(seconds) seconds",
                 type: "timeout_error", code: "timeout")
    }

    static let cancelledError = APIError(status: .serviceUnavailable, message: "The request was cancelled (the client went away or the server is shutting down)",
                                         type: "server_error", code: "cancelled")

    /// Server-sent events: `data: <chunk>` per event, `data: [DONE]` last. A timeout or shutdown
    /// sends an error object before [DONE]. A client that goes away ends the iteration, which
    /// cancels the sequence.
    func streamingResponse<Chunk: Encodable & Sendable>(_ generation: AsyncStream<GenerationEvent>, first: Chunk? = nil,
                                             chunk: @escaping @Sendable (GenerationEvent) -> Chunk) -> Response {
        let timeout = options.timeout
        let firstData = first.map(JSONOutput.data)
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            if let firstData { try await writer.write(Self.event(firstData)) }
            for await event in generation {
                if case .finished(let reason, _, _) = event, reason == .timeout || reason == .cancelled {
                    let error = reason == .timeout ? Self.timeoutError(timeout) : Self.cancelledError
                    try await writer.write(Self.event(JSONOutput.data(error.body)))
                    break
                }
                try await writer.write(Self.event(JSONOutput.data(chunk(event))))
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        })
    }

    /// One server-sent event: `data: <json>` and a blank line.
    static func event(_ data: Data) -> ByteBuffer {
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }
}
