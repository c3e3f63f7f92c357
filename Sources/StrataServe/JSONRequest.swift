import Foundation
import Strata

/// A request's JSON body with typed look-ups whose failures are 400s naming the parameter.
///
/// ```swift
/// let body = try JSONRequest(bytes)
/// let temperature = try body.double("temperature", in: 0...2) ?? 1
/// ```
struct JSONRequest {
    let root: JSONNode

    /// Parses the body; not UTF-8, not JSON, or not an object is a 400.
    init(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { throw APIError.invalidRequest("The request body is empty; expected a JSON object") }
        do {
            root = try JSONDocument(data: Data(bytes), path: "request body").root
        } catch let error as FileError {
            throw APIError.invalidRequest("The request body is not valid JSON: \(error.locatedMessage)", code: "invalid_json")
        }
        guard (try? root.members()) != nil else {
            throw APIError.invalidRequest("The request body must be a JSON object, found \(root.typeDescription)", code: "invalid_json")
        }
    }

    /// Runs a look-up, turning its `FileError` into a 400 for `param`.
    private func look<T>(_ param: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as FileError {
            throw APIError.invalidRequest("'\(error.keyPath.isEmpty ? param : error.keyPath)': \(error.message)",
                                          param: error.keyPath.isEmpty ? param : error.keyPath, code: "invalid_type")
        }
    }

    func node(_ key: String) throws -> JSONNode? { try look(key) { try root.optionalMember(key) } }

    func string(_ key: String) throws -> String? { try look(key) { try root.optionalMember(key)?.string() } }

    func requiredString(_ key: String) throws -> String {
        guard let value = try string(key) else { throw APIError.invalidRequest("Missing required parameter: '\(key)'", param: key) }
        return value
    }

    func bool(_ key: String) throws -> Bool? { try look(key) { try root.optionalMember(key)?.bool() } }

    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = try look(key, { try root.optionalMember(key)?.int() }) else { return nil }
        guard range.contains(value) else {
            throw APIError.invalidRequest("'\(key)' must be between \(range.lowerBound) and \(range.upperBound), got \(value)", param: key,
                                          code: "invalid_value")
        }
        return value
    }

    /// A finite number in `range` (NaN and infinities are rejected; JSON cannot spell them anyway).
    func double(_ key: String, in range: ClosedRange<Double>, openLower: Bool = false) throws -> Double? {
        guard let value = try look(key, { try root.optionalMember(key)?.double() }) else { return nil }
        guard value.isFinite, openLower ? value > range.lowerBound : value >= range.lowerBound, value <= range.upperBound else {
            throw APIError.invalidRequest("'\(key)' must be a number in \(openLower ? "(" : "[")\(range.lowerBound), \(range.upperBound)], got \(value)",
                                          param: key, code: "invalid_value")
        }
        return value
    }

    /// A string or an array of strings (OpenAI's `prompt`, `input` and `stop`).
    func strings(_ key: String) throws -> [String]? {
        guard let node = try node(key) else { return nil }
        return try look(key) {
            if let single = try? node.string() { return [single] }
            guard let elements = try? node.elements() else {
                throw node.error("expected a string or an array of strings, found \(node.typeDescription)")
            }
            return try elements.map { try $0.string() }
        }
    }
}
