import Foundation
import StrataCore

/// A Codable value as compact JSON with sorted keys (model configurations in checkpoints).
func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Decodes JSON written by `encodeJSON`, naming `what` in the error.
func decodeJSON<T: Decodable>(_ type: T.Type, from text: String, what: String) throws -> T {
    do { return try JSONDecoder().decode(type, from: Data(text.utf8)) } catch let error as DecodingError {
        throw RecommenderError("\(what) is not valid: \(DecodingErrorText.describe(error))")
    }
}
