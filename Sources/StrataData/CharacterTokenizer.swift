import Foundation
import StrataIO

/// A tokenizer with one token per Unicode scalar (code point), its vocabulary the
/// sorted unique scalars of a corpus.
///
/// Unicode scalars rather than `Character`s (grapheme clusters): the vocabulary
/// stays small and fixed (an "é" written as "e" + U+0301 is two tokens, "e" and the
/// combining accent), and `decode(encode(s)) == s` holds scalar for scalar.
public struct CharacterTokenizer: Tokenizer, Equatable {
    /// The vocabulary, sorted by code point: token id `i` is `vocabulary[i]`.
    public let vocabulary: [Unicode.Scalar]
    private let ids: [UInt32: Int]

    /// A tokenizer whose vocabulary is the sorted unique Unicode scalars of `corpus`.
    public init(corpus: String) {
        self.init(scalars: corpus.unicodeScalars)
    }

    /// A tokenizer for the given scalars (sorted and deduplicated).
    public init<S: Sequence>(scalars: S) where S.Element == Unicode.Scalar {
        let unique = Set(scalars.lazy.map(\.value))
        vocabulary = unique.sorted().map { Unicode.Scalar($0)! }
        var ids: [UInt32: Int] = [:]
        for (i, s) in vocabulary.enumerated() { ids[s.value] = i }
        self.ids = ids
    }

    public var vocabularySize: Int { vocabulary.count }

    /// The id of each scalar of `text`; throws ``TokenizerError/unknownCharacter(_:position:)``
    /// naming the first scalar not in the vocabulary and its scalar offset.
    public func encode(_ text: String) throws -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(text.utf8.count)
        for (position, scalar) in text.unicodeScalars.enumerated() {
            guard let id = ids[scalar.value] else {
                throw TokenizerError.unknownCharacter(scalar, position: position)
            }
            out.append(id)
        }
        return out
    }

    public func decode(_ ids: [Int]) throws -> String {
        var view = String.UnicodeScalarView()
        for id in ids {
            guard id >= 0, id < vocabulary.count else {
                throw TokenizerError.unknownTokenID(id, vocabularySize: vocabulary.count)
            }
            view.append(vocabulary[id])
        }
        return String(view)
    }

    public static func == (a: CharacterTokenizer, b: CharacterTokenizer) -> Bool { a.vocabulary == b.vocabulary }

    // MARK: - JSON

    private struct Stored: Codable {
        var type: String
        var version: Int
        /// Code points, in id order.
        var scalars: [UInt32]
    }

    /// The tokenizer as JSON: `{"type": "character", "version": 1, "scalars": [code points in id order]}`.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(Stored(type: "character", version: 1, scalars: vocabulary.map(\.value)))
    }

    /// Writes ``jsonData()`` to `path`.
    public func save(to path: String) throws {
        do {
            try AtomicFile.write(Array(try jsonData()), to: path)
        } catch {
            throw TokenizerError.unreadableFile(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Reads a tokenizer written by ``save(to:)``.
    public static func load(path: String) throws -> CharacterTokenizer {
        let data = Data(try TokenizerError.readFile(path))
        let stored: Stored
        do {
            stored = try JSONDecoder().decode(Stored.self, from: data)
        } catch {
            throw TokenizerError.malformedFile(path: path, line: 0, reason: "not a character tokenizer JSON file (expected {\"type\": \"character\", \"version\": 1, \"scalars\": [...]}): \(error)")
        }
        guard stored.type == "character" else {
            throw TokenizerError.malformedFile(path: path, line: 0, reason: "type is '\(stored.type)', expected 'character'")
        }
        guard stored.version == 1 else {
            throw TokenizerError.malformedFile(path: path, line: 0, reason: "unsupported version \(stored.version) (this Strata reads version 1)")
        }
        var scalars: [Unicode.Scalar] = []
        for (i, value) in stored.scalars.enumerated() {
            guard let s = Unicode.Scalar(value) else {
                throw TokenizerError.malformedFile(path: path, line: 0, reason: "scalars[\(i)] = \(value) is not a Unicode scalar")
            }
            if let last = scalars.last, last.value >= value {
                throw TokenizerError.malformedFile(path: path, line: 0, reason: "scalars must be strictly increasing (scalars[\(i)] = \(value))")
            }
            scalars.append(s)
        }
        return CharacterTokenizer(scalars: scalars)
    }
}
