import Foundation
import StrataIO
import StrataCore


/// A tokenized text split into a training part and a validation part (the last
/// `validationFraction` of the text, as nanoGPT does), from which random windows are drawn.
///
/// ```swift
/// let text = try TextCorpus.read(path: "Data/shakespeare/shakespeare.txt.gz")
/// let tokenizer = CharacterTokenizer(corpus: text)
/// let corpus = try TextCorpus(text: text, tokenizer: tokenizer)
/// var rng = RandomGenerator(seed: 1)
/// let (x, y) = corpus.batch(.train, size: 16, context: 128, generator: &rng)   // [16, 128] each, y = x shifted by one
/// ```
public struct TextCorpus: Sendable {
    public enum Split: Sendable { case train, validation }

    /// Token ids of the training part and of the validation part.
    public let train: [Int32]
    public let validation: [Int32]

    /// Tokenizes `text` and splits off the last `validationFraction` of the tokens.
    public init(text: String, tokenizer: Tokenizer, validationFraction: Double = 0.1, name: String = "corpus") throws {
        ensure(validationFraction >= 0 && validationFraction < 1, "TextCorpus: validationFraction must be in [0, 1)")
        guard !text.isEmpty else { throw FileError(path: name, reason: "the corpus is empty") }
        let ids = try tokenizer.encode(text).map(Int32.init)
        let cut = ids.count - Int((Double(ids.count) * validationFraction).rounded())
        train = Array(ids[..<cut])
        validation = Array(ids[cut...])
    }

    /// The text of a UTF-8 file, gzip-compressed or not. Empty files and bytes that are not
    /// UTF-8 are errors naming the file (and the byte offset of the first bad byte).
    public static func read(path: String) throws -> String {
        var bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path: path)
        } catch let error as FileBytes.ReadError {
            throw FileError(path: path, reason: error.message)
        }
        if Gzip.isGzip(bytes) {
            do { bytes = try Gzip.decompress(bytes) } catch {
                throw FileError(path: path, reason: "corrupt gzip data: \(error)")
            }
        }
        guard !bytes.isEmpty else { throw FileError(path: path, reason: "the file is empty; a corpus needs text") }
        if let offset = firstInvalidUTF8(bytes) {
            throw FileError(path: path, reason: "not UTF-8 text: invalid byte 0x\(String(bytes[offset], radix: 16)) at offset \(offset)")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The offset of the first byte that does not belong to a valid UTF-8 sequence, if any.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// The tokens of `split`.
    public func tokens(_ split: Split) -> [Int32] { split == .train ? train : validation }

    /// `size` windows of `context` tokens at random offsets of `split`, as int64 inputs `[size, context]`
    /// and the targets that follow each input token (the same windows shifted by one).
    public func batch(_ split: Split, size: Int, context: Int, generator: inout RandomGenerator) -> (inputs: Tensor, targets: Tensor) {
        let ids = tokens(split)
        ensure(ids.count > context, "TextCorpus: the \(split) part has \(ids.count) tokens, fewer than context + 1 = \(context + 1)")
        var x = [Int64](repeating: 0, count: size * context), y = x
        for b in 0..<size {
            let start = generator.nextInt(below: ids.count - context)
            for t in 0..<context {
                x[b * context + t] = Int64(ids[start + t])
                y[b * context + t] = Int64(ids[start + t + 1])
            }
        }
        return (Tensor(x, shape: [size, context]), Tensor(y, shape: [size, context]))
    }
}
