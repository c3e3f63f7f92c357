import Foundation
import Hummingbird

/// An error answered in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`,
/// with its HTTP status.
///
/// ```swift
/// throw APIError.invalidRequest("'temperature' must be between 0 and 2", param: "temperature")
/// ```
public struct APIError: Error, CustomStringConvertible, Sendable {
    public let status: HTTPResponse.Status
    public let message: String
    public let type: String
    public let param: String?
    public let code: String?
    /// Extra headers (Retry-After on 429, WWW-Authenticate on 401).
    public var headers: HTTPFields = [:]

    public init(status: HTTPResponse.Status, message: String, type: String, param: String? = nil, code: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    public var description: String { "\(status.code) \(type): \(message)" }

    /// 400: the request is malformed or a value is out of range.
    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: .badRequest, message: message, type: "invalid_request_error", param: param, code: code)
    }

    /// 404: no model of that name is served.
    public static func unknownModel(_ name: String) -> APIError {
        APIError(status: .notFound, message: "The model '\(name)' does not exist (GET /v1/models lists the served models)",
                 type: "invalid_request_error", param: "model", code: "model_not_found")
    }

    /// 401: the bearer key is missing or wrong.
    public static var unauthorized: APIError {
        var error = APIError(status: .unauthorized, message: "Missing or incorrect API key: send 'Authorization: Bearer <key>'",
                             type: "invalid_request_error", code: "invalid_api_key")
        error.headers[.wwwAuthenticate] = "Bearer"
        return error
    }

    /// 413: the body is larger than the server accepts.
    public static func tooLarge(limit: Int) -> APIError {
        APIError(status: .contentTooLarge, message: "The request body is larger than the limit of \(limit) bytes",
                 type: "invalid_request_error", code: "request_too_large")
    }

    /// 429: the model's queue is full; try again after `retryAfter` seconds.
    public static func queueFull(retryAfter: Int) -> APIError {
        var error = APIError(status: .tooManyRequests, message: "The server is busy: the model's queue is full; retry later",
                             type: "rate_limit_error", code: "queue_full")
        error.headers[.retryAfter] = String(retryAfter)
        return error
    }

    /// The JSON body of the error.
    var body: ErrorBody {
        ErrorBody(error: .init(message: message, type: type, param: param, code: code))
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            let message: String
            let type: String
            let param: String?
            let code: String?
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(message, forKey: .message)
                try c.encode(type, forKey: .type)
                try c.encode(param, forKey: .param)          // null when absent, as OpenAI writes it
                try c.encode(code, forKey: .code)
            }
            enum CodingKeys: String, CodingKey { case message, type, param, code }
        }
        let error: Detail
    }

    /// The error as an HTTP response.
    func response() -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: JSONOutput.buffer(body)))
    }
}

/// JSON output through Codable (keys in declaration order, no escaped slashes).
enum JSONOutput {
    static func data<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try encoder.encode(value) } catch {
            return Data(#"{"error":{"message":"the response could not be encoded","type":"server_error","param":null,"code":null}}"#.utf8)
        }
    }

    static func buffer<T: Encodable>(_ value: T) -> ByteBuffer { ByteBuffer(bytes: data(value)) }

    /// A 200 JSON response.
    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: buffer(value)))
    }
}
