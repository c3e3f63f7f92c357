import StrataCore
import StrataNN

extension BERT {
    /// The last hidden states of several token-id sequences run as one batch without padding
    /// (inference): the sequences' tokens are stacked row after row into one `[N, hidden]`
    /// matrix (N = the sum of their lengths), so the projections and feed-forwards run once on
    /// real tokens only, and attention stays within each sequence. Segment 0 throughout.
    ///
    /// Sequence s's rows are `starts[s] ..< starts[s + 1]` of the result, and equal (up to float
    /// rounding in the products) the unpadded rows of `callAsFunction` with an attention mask.
    ///
    /// ```swift
    /// let (hidden, starts) = bert.packedHiddenStates([[101, 2023, 102], [101, 102]])   // [5, 384], [0, 3, 5]
    /// ```
    public func packedHiddenStates(_ sequences: [[Int]]) -> (hidden: Tensor, starts: [Int]) {
        ensure(!sequences.isEmpty && sequences.allSatisfy { !$0.isEmpty },
               "BERT.packedHiddenStates: expected at least one non-empty sequence")
        ensure(sequences.allSatisfy { $0.count <= config.maximumPositions },
               "BERT.packedHiddenStates: a sequence is longer than max_position_embeddings \(config.maximumPositions)")
        ensure(sequences.allSatisfy { $0.allSatisfy { (0..<config.vocabularySize).contains($0) } },
               "BERT.packedHiddenStates: token ids must lie in 0..<\(config.vocabularySize)")
        var starts = [0]
        for sequence in sequences { starts.append(starts[starts.count - 1] + sequence.count) }
        let hidden = withoutGradients {
            let ids = Tensor(sequences.joined().map(Int32.init), shape: [starts.last!])                     // [N]
            let positions = Tensor(sequences.flatMap { (0..<$0.count).map(Int32.init) }, shape: [starts.last!])  // [N]
            let segment = tokenTypeEmbeddings.weight.slice(axis: 0, start: 0, end: 1).reshaped([config.hiddenSize])
            var x = embeddingNorm(wordEmbeddings(ids) + positionEmbeddings(positions) + segment)            // [N, C]
            for layer in layers {
                x = layer.packed(x, sequenceStarts: starts)
            }
            return x
        }
        return (hidden, starts)
    }
}

extension BERTLayer {
    /// The layer on packed sequences `x` `[N, C]` (see ``BERT/packedHiddenStates(_:)``):
    /// rows `sequenceStarts[s] ..< sequenceStarts[s + 1]` attend only to each other. Inference only.
    func packed(_ x: Tensor, sequenceStarts starts: [Int]) -> Tensor {
        let context = Tensor.packedAttention(query: queryProjection(x), key: keyProjection(x), value: valueProjection(x),
                                             sequenceStarts: starts, heads: heads)                        // [N, C]
        let attended = attentionNorm(attentionOutput(context, adding: x))
        return outputNorm(output(activate(intermediate(attended)), adding: attended))
    }
}
