import Foundation
import Testing
import StrataCore
import StrataNN
import StrataModels
import _StrataTestSupport

// Sequence layers and the GPT against numpy references (Scripts/sequence_references.py),
// loaded through `loadStateDict` with Strata's keys, in float32.

extension Reference {
    /// The "state" object of a case as a state dict of float32 tensors.
    var stateDict: [String: Tensor] {
        get throws {
            let state = try self["state"]
            return Dictionary(uniqueKeysWithValues: try state.node.members().map { ($0.key, try state.tensor($0.key, dtype: .float32)) })
        }
    }
}

/// The reference case's GPT with its weights loaded.
func referenceGPT(_ c: Reference) throws -> GPT {
    let k = try c["config"]
    let gpt = try GPT(GPT.Config(vocabularySize: k["vocabularySize"].int, context: k["context"].int, layers: k["layers"].int,
                             heads: k["heads"].int, width: k["width"].int))
    try gpt.loadStateDict(c.stateDict)
    return gpt
}

@Suite("Sequence layers and GPT match the numpy reference")
struct SequenceReferenceTests {
    var cases: Reference { get throws { try Reference.root["sequence"] } }

    @Test func lstm() throws {
        let c = try cases["lstm"]
        let lstm = try LSTM(inputSize: c["inputSize"].int, hiddenSize: c["hiddenSize"].int, layers: c["layers"].int)
        try lstm.loadStateDict(c.stateDict)
        let (y, state) = try lstm(c.tensor("x", dtype: .float32), state: (c.tensor("h0", dtype: .float32), c.tensor("c0", dtype: .float32)))
        #expect(try mismatch(y, c.tensor("output"), tolerance: float32Tolerance, "output") == nil)
        #expect(try mismatch(state.h, c.tensor("hn"), tolerance: float32Tolerance, "h_n") == nil)
        #expect(try mismatch(state.c, c.tensor("cn"), tolerance: float32Tolerance, "c_n") == nil)
    }

    @Test func gru() throws {
        let c = try cases["gru"]
        let gru = try GRU(inputSize: c["inputSize"].int, hiddenSize: c["hiddenSize"].int, layers: c["layers"].int)
        try gru.loadStateDict(c.stateDict)
        let (y, h) = try gru(c.tensor("x", dtype: .float32), state: c.tensor("h0", dtype: .float32))
        #expect(try mismatch(y, c.tensor("output"), tolerance: float32Tolerance, "output") == nil)
        #expect(try mismatch(h, c.tensor("hn"), tolerance: float32Tolerance, "h_n") == nil)
    }

    @Test func multiHeadAttention() throws {
        let c = try cases["attention"]
        let x = try c.tensor("x", dtype: .float32), memory = try c.tensor("memory", dtype: .float32)
        let attention = try MultiHeadAttention(width: x.shape[2], heads: c["heads"].int)
        try attention.loadStateDict(c.stateDict)
        let padding = try c.tensor("keyPaddingMask") .> 0.5
        #expect(try mismatch(attention(x, causal: true, keyPaddingMask: padding), c.tensor("causalPadded"), tolerance: float32Tolerance, "causal+padding") == nil)
        #expect(try mismatch(attention(query: x, key: memory, value: memory), c.tensor("cross"), tolerance: float32Tolerance, "cross") == nil)
    }

    @Test func transformerBlock() throws {
        let c = try cases["block"]
        let x = try c.tensor("x", dtype: .float32)
        let block = try TransformerBlock(width: x.shape[2], heads: c["heads"].int)
        try block.loadStateDict(c.stateDict)
        #expect(try mismatch(block(x), c.tensor("y"), tolerance: float32Tolerance, "y") == nil)
    }

    @Test func gpt() throws {
        let c = try cases["gpt"]
        let gpt = try referenceGPT(c)
        let ids = try c.intTensor("ids")
        #expect(try mismatch(gpt(ids), c.tensor("logits"), tolerance: float32Tolerance, "logits") == nil)
    }

    @Test func gptWithCacheMatchesFullPass() throws {
        let c = try cases["gpt"]
        let gpt = try referenceGPT(c)
        let ids = try c.intTensor("ids")[0..<1]
        let full = gpt(ids)
        let cache = KeyValueCache()
        let first = gpt(ids[.all, 0..<3], cache: cache)
        let rest = (3..<5).map { t in gpt(ids[.all, t..<(t + 1)], cache: cache) }
        let incremental = Tensor.concatenated([first] + rest, axis: 1)
        #expect(cache.length == 5)
        #expect(maxAbsDifference(incremental, full) < 1e-5)
    }
}

@Suite("Position embeddings and recurrent options")
struct PositionAndRecurrentTests {
    @Test func sinusoidalEncodingFollowsTheFormula() {
        let encoding = SinusoidalPositionEncoding(context: 10, width: 6)
        let rows = encoding(count: 2, offset: 3)                       // positions 3 and 4
        #expect(rows.shape == Shape([2, 6]))
        let v = rows.doubles
        for (r, p) in [3.0, 4.0].enumerated() {
            for i in stride(from: 0, to: 6, by: 2) {
                let angle = p / pow(10000, Double(i) / 6)
                #expect(abs(v[r * 6 + i] - sin(angle)) < 1e-6 && abs(v[r * 6 + i + 1] - cos(angle)) < 1e-6)
            }
        }
    }

    @Test func learnedPositionsAreParametersSlicedByOffset() {
        let positions = LearnedPositionEmbedding(context: 5, width: 3)
        #expect(positions.parameters().count == 1)
        #expect(positions(count: 2, offset: 3).doubles == positions.weight[3..<5].doubles)
    }

    @Test func stateCarriesAcrossCallsAndDropoutOnlyInTraining() {
        let lstm = LSTM(inputSize: 2, hiddenSize: 3, layers: 2, dropout: 0.5)
        lstm.train(false)
        let x = Tensor.normal([1, 6, 2])
        let (whole, _) = lstm(x)
        let (first, state) = lstm(x[.all, 0..<3, .all])
        let (second, _) = lstm(x[.all, 3..<6, .all], state: state)
        #expect(maxAbsDifference(Tensor.concatenated([first, second], axis: 1), whole) < 1e-6)
        lstm.train(true)
        let (a, _) = lstm(x), (b, _) = lstm(x)
        #expect(maxAbsDifference(a, b) > 0)   // dropout between the layers draws new masks
        #expect(lstm.stateDict().keys.sorted() == ["bias_hh.0", "bias_hh.1", "bias_ih.0", "bias_ih.1",
                                                   "weight_hh.0", "weight_hh.1", "weight_ih.0", "weight_ih.1"])
    }
}
