import Foundation
import Hummingbird
import Strata

extension StrataServer {
    /// `POST /v1/embeddings`: `input` (a string or a list of strings) as sentence embeddings,
    /// batched with other requests' inputs.
    func embeddings(_ request: Request) async throws -> Response {
        let body = try JSONRequest(try await self.body(request))
        let model = try self.model(try body.string("model"), serving: [.sentenceEncoder], for: "/v1/embeddings")
        guard let inputs = try body.strings("input") else { throw APIError.invalidRequest("Missing required parameter: 'input'", param: "input") }
        guard !inputs.isEmpty, inputs.count <= 2048 else {
            throw APIError.invalidRequest("'input' must hold 1 to 2048 strings, got \(inputs.count)", param: "input")
        }
        if let empty = inputs.firstIndex(where: \.isEmpty) {
            throw APIError.invalidRequest("'input[\(empty)]' is empty; every input needs some text", param: "input", code: "empty_input")
        }
        let format = try body.string("encoding_format") ?? "float"
        guard format == "float" || format == "base64" else {
            throw APIError.invalidRequest("'encoding_format' must be float or base64, got \(format.debugDescription)", param: "encoding_format")
        }
        if let dimensions = try body.int("dimensions", in: 1...Int.max), dimensions != model.embeddings!.encoder.dimension {
            throw APIError.invalidRequest("'dimensions' must be the model's \(model.embeddings!.encoder.dimension)", param: "dimensions")
        }
        let batcher = model.embeddings!
        let vectors = try await batcher.embed(inputs)
        let tokens = batcher.tokenCounts(inputs).reduce(0, +)
        return JSONOutput.response(OpenAI.EmbeddingList(
            data: vectors.enumerated().map { OpenAI.Embedding(index: $0.offset, vector: $0.element, base64: format == "base64") },
            model: model.name, usage: .init(prompt_tokens: tokens, total_tokens: tokens)))
    }

    /// `POST /v1/classify`: an image (PNG or PGM bytes in the body, or JSON `{"model", "image": base64}`)
    /// labelled by an MNIST checkpoint. With raw bytes, `?model=NAME` picks the model.
    func classify(_ request: Request) async throws -> Response {
        let bytes = try await self.body(request)
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        var name = request.uri.queryParameters.get("model")
        let image: [UInt8]
        if contentType.hasPrefix("application/json") || bytes.first == UInt8(ascii: "{") {
            let body = try JSONRequest(bytes)
            name = try body.string("model") ?? name
            let encoded = try body.requiredString("image")
            let base64 = encoded.range(of: ";base64,").map { String(encoded[$0.upperBound...]) } ?? encoded   // a data: URL too
            guard let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else {
                throw APIError.invalidRequest("'image' is not valid base64", param: "image")
            }
            image = [UInt8](data)
        } else {
            image = bytes
        }
        guard !image.isEmpty else { throw APIError.invalidRequest("No image: send PNG or PGM bytes, or JSON with a base64 'image'", param: "image") }
        let model = try self.model(name, serving: [.imageClassifier], for: "/v1/classify")
        let picture: GrayImage
        do { picture = try GrayImage.decode(image, source: "image") } catch {
            throw APIError.invalidRequest("The image cannot be decoded: \(error)", param: "image", code: "invalid_image")
        }
        guard picture.width * picture.height <= 4096 * 4096 else {
            throw APIError.invalidRequest("The image is \(picture.width)x\(picture.height); at most 4096x4096 pixels", param: "image")
        }
        // nonisolated(unsafe): the classifier is not Sendable (its layers hold tensors); only the
        // model's SerialWorker calls it, one job at a time, and here we read immutable fields.
        nonisolated(unsafe) let classifier = model.classifier!
        let probabilities = try await model.worker!.run { classifier.probabilities(picture) }
        let names = classifier.dataset.classNames
        let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
        let label = { (i: Int) in i < names.count ? names[i] : String(i) }
        return JSONOutput.response(StrataAPI.Classification(
            model: model.name, index: best, label: label(best), probability: probabilities[best],
            probabilities: probabilities.enumerated().map { .init(index: $0.offset, label: label($0.offset), probability: $0.element) }))
    }

    /// `POST /v1/recommend`: `{"model", "user", "count"}` → the user's best items not yet rated.
    func recommend(_ request: Request) async throws -> Response {
        let body = try JSONRequest(try await self.body(request))
        let model = try self.model(try body.string("model"), serving: [.recommender], for: "/v1/recommend")
        let user = try body.requiredString("user")
        let count = try body.int("count", in: 1...1000) ?? 10
        // nonisolated(unsafe): not Sendable (it holds tensors); only the model's SerialWorker calls
        // it, one job at a time, and here we read its immutable ID maps.
        nonisolated(unsafe) let recommender = model.recommender!
        guard recommender.users.index(of: user) != nil else { throw Self.unknown("user", user) }
        let items = try await model.worker!.run { try recommender.recommend(user: user, count: count) }
        return JSONOutput.response(StrataAPI.Recommendation(model: model.name, user: user, items: items.map { .init(item: $0.item, score: $0.score) }))
    }

    /// `POST /v1/predict-rating`: `{"model", "user", "item"}` → the model's score for the pair.
    func predictRating(_ request: Request) async throws -> Response {
        let body = try JSONRequest(try await self.body(request))
        let model = try self.model(try body.string("model"), serving: [.recommender], for: "/v1/predict-rating")
        let user = try body.requiredString("user"), item = try body.requiredString("item")
        // nonisolated(unsafe): not Sendable (it holds tensors); only the model's SerialWorker calls
        // it, one job at a time, and here we read its immutable ID maps.
        nonisolated(unsafe) let recommender = model.recommender!
        guard recommender.users.index(of: user) != nil else { throw Self.unknown("user", user) }
        guard recommender.items.index(of: item) != nil else { throw Self.unknown("item", item) }
        let score = try await model.worker!.run { try recommender.predict(user: user, item: item) }
        return JSONOutput.response(StrataAPI.RatingPrediction(model: model.name, user: user, item: item, score: score,
                                                              is_rating: recommender.predictsRatings))
    }

    static func unknown(_ what: String, _ id: String) -> APIError {
        APIError(status: .notFound, message: "Unknown \(what) \(id.debugDescription): the model has no such id", type: "invalid_request_error",
                 param: what, code: "\(what)_not_found")
    }
}
