import Foundation
import Testing
import StrataCore
import _StrataTestSupport

/// The attention requirements of ``Backend`` called directly, against the ops and written-out
/// references.
@Suite("Backend: attention")
struct BackendAttentionTests {
    let backend = Device.cpu.backend

    /// Row-wise reference: softmax(scale · row) over the visible keys, zeros elsewhere.
    func referenceSoftmax(_ s: [Double], tq: Int, tk: Int, scale: Double, visible: (Int, Int, Int) -> Bool) -> [Double] {
        var out = [Double](repeating: 0, count: s.count)
        for row in 0..<(s.count / tk) {
            let keys = (0..<tk).filter { visible(row, row % tq, $0) }
            guard !keys.isEmpty else { continue }
            let peak = keys.map { scale * s[row * tk + $0] }.max()!
            let total = keys.map { Foundation.exp(scale * s[row * tk + $0] - peak) }.reduce(0, +)
            for j in keys { out[row * tk + j] = Foundation.exp(scale * s[row * tk + j] - peak) / total }
        }
        return out
    }

    /// Two matrices of 2 queries and 3 keys: causally, query 0 sees keys 0 and 1 (key 0 is cached).
    @Test func causalAndMaskedSoftmax() {
        let scores = randomTensor([2, 2, 3], seed: 41, dtype: .float64)
        let causal = scores.copy()
        backend.attentionSoftmax(causal, mask: nil, scale: 0.5, causal: true)
        expectClose(causal.doubles, referenceSoftmax(scores.doubles, tq: 2, tk: 3, scale: 0.5) { _, i, j in j <= i + 1 },
                    tolerance: 1e-15)

        let allowed: [Bool] = [true, false, true, false, false, false, false, true, true, true, true, false]
        let mask = Tensor(allowed, shape: [2, 2, 3])
        let masked = scores.copy()
        backend.attentionSoftmax(masked, mask: mask, scale: 0.5, causal: false)
        expectClose(masked.doubles, referenceSoftmax(scores.doubles, tq: 2, tk: 3, scale: 0.5) { row, _, j in allowed[row * 3 + j] },
                    tolerance: 1e-15)
        // The row that sees no key is zeros.
        #expect(Array(masked.doubles[3..<6]) == [0, 0, 0])
    }

    @Test func softmaxBackwardInPlace() {
        let p = randomTensor([2, 3, 4], seed: 42, dtype: .float64).softmax(axis: -1)
        let g = randomTensor([2, 3, 4], seed: 43, dtype: .float64)
        let d = g.copy()
        backend.attentionSoftmaxBackward(d, probabilities: p, scale: 0.25)
        let pv = p.doubles, gv = g.doubles
        var expected = [Double]()
        for row in 0..<6 {
            let dot = (0..<4).map { gv[row * 4 + $0] * pv[row * 4 + $0] }.reduce(0, +)
            for j in 0..<4 { expected.append(0.25 * pv[row * 4 + j] * (gv[row * 4 + j] - dot)) }
        }
        expectClose(d.doubles, expected, tolerance: 1e-15)
    }

    /// The backend's pieces, put together as the op does, give the op's bits.
    @Test func piecesMatchScaledDotProductAttention() {
        let q = randomTensor([2, 3, 4], seed: 44), k = randomTensor([2, 5, 4], seed: 45), v = randomTensor([2, 5, 4], seed: 46)
        let scores = Tensor.matmul(q, k, transposeB: true)
        backend.attentionSoftmax(scores, mask: nil, scale: 0.5, causal: true)
        let out = Tensor.matmul(scores, v)
        #expect(out.floats == Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: true, scale: 0.5).floats)
    }

    /// [B=2, T=2, width 6]: heads 2 of d 2 from column 2 on, and back.
    @Test func splitAndMergeHeads() {
        let x = Tensor.arange(0, 24).reshaped([2, 2, 6])
        let heads = Tensor.empty([2, 2, 2, 2])
        backend.splitHeads(x, columnOffset: 2, into: heads)
        // heads[b, h, t, :] = x[b, t, 2 + 2h ..< 4 + 2h]
        var expected = [Double]()
        for b in 0..<2 { for h in 0..<2 { for t in 0..<2 { for j in 0..<2 { expected.append(Double(12 * b + 6 * t + 2 + 2 * h + j)) } } } }
        #expect(heads.doubles == expected)
        #expect(heads.doubles == x[.all, .all, 2..<6].reshaped([2, 2, 2, 2]).permuted([0, 2, 1, 3]).doubles)

        let back = Tensor.full([2, 2, 6], value: -1)
        backend.mergeHeads(heads, into: back, columnOffset: 2)
        #expect(back.doubles == x.doubles.enumerated().map { $0.offset % 6 < 2 ? -1 : $0.element })
    }
}
