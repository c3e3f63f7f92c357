import StrataIO
import Foundation
import StrataCore
import StrataData

/// Sentence embeddings from a BERT (Reimers & Gurevych 2019, "Sentence-BERT"), as the
/// sentence-transformers library computes them: tokenize, run BERT over padded batches with
/// an attention mask, pool the token states (mean over the real tokens for MiniLM), and
/// L2-normalise when the model folder asks for it.
///
/// Sentences are sorted by length and cut into batches, so little work goes into padding; a
/// sentence's embedding does not depend on the other sentences of its batch.
///
/// ```swift
/// let encoder = try SentenceEncoder(directory: "Models/all-MiniLM-L6-v2")
/// let vectors = try encoder.encode(["A man is eating food.", "A man is eating a piece of bread."])
/// SentenceEncoder.cosineSimilarity(vectors[0], vectors[1])   // 0.7553
/// ```
// @unchecked: the model and tokenizer are only read after init; `warnsOnTruncation` is a flag to set before use.
public final class SentenceEncoder: @unchecked Sendable {
    /// How token states become one vector; several modes are concatenated in the order
    /// cls, max, mean, mean_sqrt_len (as sentence-transformers' `Pooling` does).
    public enum PoolingMode: String, Sendable, CaseIterable {
        /// The `[CLS]` token's state.
        case cls = "pooling_mode_cls_token"
        /// The element-wise maximum over the real tokens.
        case max = "pooling_mode_max_tokens"
        /// The mean over the real tokens.
        case mean = "pooling_mode_mean_tokens"
        /// The sum over the real tokens divided by √(token count).
        case meanSquareRootLength = "pooling_mode_mean_sqrt_len_tokens"
    }

    /// The BERT that computes the token states.
    public let model: BERT
    /// The WordPiece tokenizer of the model folder.
    public let tokenizer: WordPieceTokenizer
    /// The pooling modes whose results are concatenated into the embedding.
    public let pooling: [PoolingMode]
    /// Whether embeddings are scaled to unit length (a `Normalize` module in modules.json).
    public let normalizes: Bool
    /// The most tokens per sentence, `[CLS]` and `[SEP]` included (max_seq_length); longer sentences are cut.
    public let maximumLength: Int
    /// Lower-case the text before tokenizing (sentence_bert_config.json's do_lower_case).
    public let lowercasesInput: Bool
    /// Write a warning to standard error when a sentence is cut to `maximumLength`.
    public var warnsOnTruncation = true

    /// The length of each embedding.
    public var dimension: Int { model.config.hiddenSize * pooling.count }

    /// An encoder from parts. `maximumLength` must be in 2...max_position_embeddings and the
    /// tokenizer's ids must fit the model's vocabulary (checked by `init(directory:)` for files).
    public init(model: BERT, tokenizer: WordPieceTokenizer, pooling: [PoolingMode] = [.mean], normalizes: Bool = true,
                maximumLength: Int, lowercasesInput: Bool = false) {
        ensure(!pooling.isEmpty, "SentenceEncoder: at least one pooling mode is needed")
        ensure((2...model.config.maximumPositions).contains(maximumLength),
                     "SentenceEncoder: maximumLength \(maximumLength) must be in 2...\(model.config.maximumPositions)")
        ensure(tokenizer.vocabularySize <= model.config.vocabularySize,
                     "SentenceEncoder: the tokenizer's \(tokenizer.vocabularySize) tokens do not fit the model's \(model.config.vocabularySize)")
        self.model = model
        self.tokenizer = tokenizer
        self.pooling = PoolingMode.allCases.filter(pooling.contains)
        self.normalizes = normalizes
        self.maximumLength = maximumLength
        self.lowercasesInput = lowercasesInput
        model.train(false)
    }

    /// The embedding of each sentence, in order; `dimension` floats each.
    ///
    /// Throws `FileError` when `batchSize` is not positive.
    public func encode(_ sentences: [String], batchSize: Int = 32) throws -> [[Float]] {
        guard batchSize > 0 else {
            throw FileError(path: "", key: "batchSize", message: "\(batchSize); expected a positive batch size")
        }
        let ids = tokenize(sentences)
        // Longest first, so that the batches hold sentences of similar length.
        let order = ids.indices.sorted { ids[$0].count != ids[$1].count ? ids[$0].count > ids[$1].count : $0 < $1 }
        var result = [[Float]](repeating: [], count: sentences.count)
        var start = 0
        while start < order.count {
            let members = Array(order[start..<Swift.min(start + batchSize, order.count)])
            let vectors = embedBatch(members.map { ids[$0] })
            for (member, vector) in zip(members, vectors) { result[member] = vector }
            start += batchSize
        }
        return result
    }

    /// The token ids of each sentence, cut to `maximumLength` (with a warning when asked).
    public func tokenize(_ sentences: [String]) -> [[Int]] {
        sentences.enumerated().map { index, sentence in
            let (ids, original) = tokenizer.encode(lowercasesInput ? sentence.lowercased() : sentence, maximumLength: maximumLength)
            if original > ids.count && warnsOnTruncation {
                let preview = sentence.count > 40 ? String(sentence.prefix(40)) + "..." : sentence
                FileHandle.standardError.write(Data(
                    "warning: sentence \(index + 1) (\(preview.debugDescription)) has \(original) tokens; only the first \(maximumLength) are used (max_seq_length)\n".utf8))
            }
            return ids
        }
    }

    /// Embeddings of one batch of token-id lists (each at most `maximumLength`), run without
    /// padding (``BERT/packedHiddenStates(_:)``): a sentence's embedding does not depend on the
    /// others in its batch.
    func embedBatch(_ batch: [[Int]]) -> [[Float]] {
        let pooled: Tensor = withoutGradients {
            let (hidden, starts) = model.packedHiddenStates(batch)                             // [N, C]
            let vectors = Tensor.stacked(batch.indices.map { s in
                let rows = hidden.slice(axis: 0, start: starts[s], end: starts[s + 1])          // [L, C]
                return Tensor.concatenated(pooling.map { pool(rows, mode: $0) }, axis: 0)       // [C·modes]
            })                                                                                  // [B, C·modes]
            return normalizes ? Self.l2Normalized(vectors) : vectors
        }
        let width = pooled.shape[1], values = pooled.floats
        return batch.indices.map { Array(values[($0 * width)..<(($0 + 1) * width)]) }
    }

    /// One pooling mode over the hidden states `[L, C]` of one sentence's tokens: `[C]`.
    func pool(_ rows: Tensor, mode: PoolingMode) -> Tensor {
        let length = Double(rows.shape[0])
        switch mode {
        case .cls: return rows.slice(axis: 0, start: 0, end: 1).reshaped([rows.shape[1]])
        case .max: return rows.max(axes: [0])
        case .mean: return rows.sum(axis: 0) / length
        case .meanSquareRootLength: return rows.sum(axis: 0) / length.squareRoot()
        }
    }

    /// Each row divided by its Euclidean norm (at least 1e-12, as torch's `F.normalize`).
    static func l2Normalized(_ x: Tensor) -> Tensor {
        x / (x * x).sum(axis: 1, keepDims: true).sqrt().clamp(min: 1e-12)
    }

    /// The cosine of the angle between two vectors of the same length (0 when one is zero).
    ///
    /// ```swift
    /// SentenceEncoder.cosineSimilarity([1, 0], [1, 1])   // 0.7071
    /// ```
    public static func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Float {
        ensure(a.count == b.count, "cosineSimilarity: lengths differ (\(a.count) and \(b.count))")
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            dot += Double(a[i]) * Double(b[i])
            na += Double(a[i]) * Double(a[i])
            nb += Double(b[i]) * Double(b[i])
        }
        let denominator = (na * nb).squareRoot()
        return denominator > 0 ? Float(dot / denominator) : 0
    }
}

