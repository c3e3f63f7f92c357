import Foundation
import Testing
import StrataCore

/// The decoder inference kernels called through `Device.cpu.backend`, against StrataCore's
/// ops (attention, softmax) and the formulas written out.
@Suite struct BackendInferenceTests {
    let backend = Device.cpu.backend

    @Test func rmsNormAndSwiGLU() {
        let x = randomTensor([3, 5], seed: 51), w = randomTensor([5], seed: 52)
        let out = Tensor.empty([3, 5])
        backend.rmsNorm(x, weight: w, epsilon: 1e-5, into: out)
        let expected = x * (x.square().mean(axis: 1, keepDims: true) + 1e-5).rsqrt() * w
        expectClose(out.doubles, expected.doubles, tolerance: 1e-6)

        let gate = randomTensor([2, 9], seed: 53) * 4, up = randomTensor([2, 9], seed: 54)
        let swi = Tensor.empty([2, 9])
        backend.swiGLU(gate: gate, up: up, into: swi)
        expectClose(swi.doubles, (gate.silu() * up).doubles, tolerance: 1e-6)
    }

    @Test(arguments: [RotaryPairing.adjacent, .halves]) func rotaryTurnsPairs(pairing: RotaryPairing) {
        // Two rows, two heads of width 4: pairs turned by angles a (row 0) and b (row 1).
        let x = randomTensor([2, 8], seed: 61), before = x.doubles
        let angles: [[Double]] = [[0.3, -1.2], [2.0, 0.7]]
        let cos = Tensor(angles.flatMap { $0.map { Float(Foundation.cos($0)) } }, shape: [2, 2])
        let sin = Tensor(angles.flatMap { $0.map { Float(Foundation.sin($0)) } }, shape: [2, 2])
        backend.rotaryEmbedding(x, heads: 2, cos: cos, sin: sin, pairing: pairing)
        var want = before
        for row in 0..<2 {
            for h in 0..<2 {
                for i in 0..<2 {
                    let base = row * 8 + h * 4
                    let (ia, ib) = pairing == .adjacent ? (base + 2 * i, base + 2 * i + 1) : (base + i, base + i + 2)
                    let (c, s) = (Foundation.cos(angles[row][i]), Foundation.sin(angles[row][i]))
                    want[ia] = before[ia] * c - before[ib] * s
                    want[ib] = before[ia] * s + before[ib] * c
                }
            }
        }
        expectClose(x.doubles, want, tolerance: 1e-6)
    }

    /// Cached attention of one sequence over its [Hkv, capacity, D] cache equals causal scaled
    /// dot-product attention with each kv head repeated for its query heads; batches of sequences
    /// equal it row by row.
    @Test func cachedAttentionMatchesAttentionOp() {
        let (t, heads, kvHeads, d, capacity) = (3, 4, 2, 8, 5)
        let q = randomTensor([t, heads * d], seed: 71)
        let keysFlat = randomTensor([t, kvHeads * d], seed: 72), valuesFlat = randomTensor([t, kvHeads * d], seed: 73)
        let keys = Tensor.zeros([kvHeads, capacity, d]), values = Tensor.zeros([kvHeads, capacity, d])
        for g in 0..<kvHeads {
            backend.copyRows(keysFlat, sourceOffset: g * d, sourceStride: kvHeads * d, into: keys,
                             destinationOffset: g * capacity * d, destinationStride: d, rows: t, width: d)
            backend.copyRows(valuesFlat, sourceOffset: g * d, sourceStride: kvHeads * d, into: values,
                             destinationOffset: g * capacity * d, destinationStride: d, rows: t, width: d)
        }
        let out = Tensor.empty([t, heads * d])
        backend.batchedCachedAttention(query: q, keys: [keys], values: [values], starts: [0], counts: [t], heads: heads, into: out)

        // [T, H·D] -> [H, T, D]; kv head h / 2 serves query head h.
        let qh = q.reshaped([t, heads, d]).permuted([1, 0, 2])
        let kh = keysFlat.reshaped([t, kvHeads, d]).permuted([1, 0, 2]), vh = valuesFlat.reshaped([t, kvHeads, d]).permuted([1, 0, 2])
        let order = Tensor([0, 0, 1, 1] as [Int64])
        let reference = Tensor.scaledDotProductAttention(query: qh, key: kh[indices: order], value: vh[indices: order], causal: true)
        expectClose(out.doubles, reference.permuted([1, 0, 2]).reshaped([t, heads * d]).doubles, tolerance: 1e-5)

        // The last row alone, as one sequence of a batch, sees the same positions; so do the
        // rows of a two-sequence batch (rows 1...2 of this cache and row 0 of a second one).
        let batched = Tensor.empty([1, heads * d])
        backend.batchedCachedAttention(query: q[(t - 1)..<t], keys: [keys], values: [values], starts: [t - 1], counts: [1],
                                       heads: heads, into: batched)
        #expect(batched.floats == Array(out.floats[((t - 1) * heads * d)...]))
        let two = Tensor.empty([t, heads * d])
        backend.batchedCachedAttention(query: Tensor.concatenated([q[1..<t], q[0..<1]]), keys: [keys, keys],
                                       values: [values, values], starts: [1, 0], counts: [t - 1, 1], heads: heads, into: two)
        let rowWidth = heads * d
        #expect(Array(two.floats[..<((t - 1) * rowWidth)]) == Array(out.floats[rowWidth...]))
        #expect(Array(two.floats[((t - 1) * rowWidth)...]) == Array(out.floats[..<rowWidth]))
    }

    @Test func tokenNegativeLogLikelihoods() {
        let logits = randomTensor([3, 7], seed: 81) * 5
        let out = Tensor.empty([3], dtype: .float64)
        backend.tokenNegativeLogLikelihoods(logits: logits, targets: Tensor([6, 0, 3] as [Int64]), into: out)
        let logP = logits.cast(to: .float64).logSoftmax(axis: 1).doubles
        expectClose(out.doubles, [-logP[6], -logP[7], -logP[14 + 3]], tolerance: 1e-6)
    }
}
