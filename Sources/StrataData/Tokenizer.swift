import Foundation
import StrataIO

/// Turns text into integer token ids and back.
///
/// Implementations: ``CharacterTokenizer`` (one id per Unicode scalar) and
/// ``ByteLevelBPETokenizer`` (byte-level BPE: GPT-2, SmolLM, Llama 3) with ``GPT2Tokenizer``.
public protocol Tokenizer: Sendable {
    /// The number of distinct ids: every id from `encode` is in `0..<vocabularySize`
    /// (for vocabularies with gaps, one more than the largest id).
    var vocabularySize: Int { get }
    /// The token ids of `text`.
    func encode(_ text: String) throws -> [Int]
    /// The text of `ids`.
    func decode(_ ids: [Int]) throws -> String
}

/// A tokenizer whose tokens are byte strings (byte-level BPE): a token may end inside a
/// multi-byte character, so streamed output should join the bytes before decoding UTF-8.
public protocol ByteTokenizer: Tokenizer {
    /// The raw bytes of `ids`.
    func decodeBytes(_ ids: [Int]) throws -> [UInt8]
}

extension TokenizerError {
    /// The bytes of a tokenizer file through `FileBytes` (regular file, at most 1 GiB); a failure
    /// is `.unreadableFile` naming the path.
    static func readFile(_ path: String) throws -> [UInt8] {
        do { return try FileBytes.read(path: path, maxBytes: 1 << 30) } catch let error as FileBytes.ReadError {
            throw TokenizerError.unreadableFile(path: path, reason: error.message)
        }
    }
}

/// Why a tokenizer could not be loaded, or could not encode or decode.
public enum TokenizerError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// A file could not be read at all.
    case unreadableFile(path: String, reason: String)
    /// A file was read but is not in the expected format; `line` is 1-based (0 when unknown).
    case malformedFile(path: String, line: Int, reason: String)
    /// `encode` met a character that the vocabulary lacks; `position` counts Unicode scalars from 0.
    case unknownCharacter(Unicode.Scalar, position: Int)
    /// `decode` was given an id that names no token.
    case unknownTokenID(Int, vocabularySize: Int)
    /// BPE produced a token that `vocab.json` does not list (an inconsistent vocabulary and merge list).
    case tokenNotInVocabulary(String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "\(path): cannot read: \(reason)"
        case let .malformedFile(path, line, reason):
            return line > 0 ? "\(path):\(line): \(reason)" : "\(path): \(reason)"
        case let .unknownCharacter(scalar, position):
            let hex = String(scalar.value, radix: 16, uppercase: true)
            let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            let shown = scalar.properties.isWhitespace || scalar.value < 0x20 ? scalar.escaped(asASCII: true) : String(scalar)
            return "character '\(shown)' (\(code)) at position \(position) is not in the tokenizer's vocabulary"
        case let .unknownTokenID(id, size):
            return "token id \(id) is not in the vocabulary (size \(size))"
        case let .tokenNotInVocabulary(token):
            return "BPE produced the token \(token.debugDescription), which the vocabulary does not list"
        }
    }

    public var errorDescription: String? { description }
}
