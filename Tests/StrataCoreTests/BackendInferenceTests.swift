import Foundation
import Testing
import StrataCore
import CStrataKernels

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
    /// equal it row by row. A float16 cache equals the same attention over keys and values
    /// rounded to float16 (the rounding happens as `copyRows` stores them).
    @Test(arguments: [DType.float32, .float16]) func cachedAttentionMatchesAttentionOp(cache dtype: DType) {
        let (t, heads, kvHeads, d, capacity) = (3, 4, 2, 8, 5)
        let q = randomTensor([t, heads * d], seed: 71)
        var keysFlat = randomTensor([t, kvHeads * d], seed: 72), valuesFlat = randomTensor([t, kvHeads * d], seed: 73)
        let keys = Tensor.zeros([kvHeads, capacity, d], dtype: dtype), values = Tensor.zeros([kvHeads, capacity, d], dtype: dtype)
        for g in 0..<kvHeads {
            backend.copyRows(keysFlat, sourceOffset: g * d, sourceStride: kvHeads * d, into: keys,
                             destinationOffset: g * capacity * d, destinationStride: d, rows: t, width: d)
            backend.copyRows(valuesFlat, sourceOffset: g * d, sourceStride: kvHeads * d, into: values,
                             destinationOffset: g * capacity * d, destinationStride: d, rows: t, width: d)
        }
        let out = Tensor.empty([t, heads * d])
        backend.batchedCachedAttention(query: q, keys: [keys], values: [values], starts: [0], counts: [t], heads: heads, into: out)
        if dtype == .float16 {
            keysFlat = keysFlat.cast(to: .float16).cast(to: .float32)
            valuesFlat = valuesFlat.cast(to: .float16).cast(to: .float32)
        }

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

    /// The float16 attention kernel: its AVX2 version equals the portable one (both widen the
    /// same float16 values; only the summation order differs), over odd lengths and a head width
    /// that is not a multiple of 8 (which takes the portable path), and the AVX2 rounding to
    /// float16 equals the portable rounding, ties included.
    @Test(arguments: [(1, 64), (37, 64), (5, 12)]) func halfAttentionKernels(visible: Int, d: Int) {
        guard QuantizedMatrix.Kernels.best == .avx2 else { print("skipped: no AVX2 on this CPU"); return }
        let q = randomTensor([d], seed: 91).floats
        let raw = randomTensor([2, visible * d], seed: 92).floats.map { $0 * 3 }
        func half(_ level: Int32, _ x: [Float]) -> [UInt16] {
            var out = [UInt16](repeating: 0, count: x.count)
            strata_f32_to_f16_array(level, x, &out, Int64(x.count))
            return out
        }
        // Halfway cases between neighbouring float16 values must round to even alike.
        let ties: [Float] = [1 + 0x1p-11, 1 + 3 * 0x1p-11, 65504, 65519.99, 65520, 0x1p-25, 3 * 0x1p-25, -0x1p-14 * 1.5]
        #expect(half(0, raw + ties) == half(1, raw + ties))
        let k = half(0, Array(raw[..<(visible * d)])), v = half(0, Array(raw[(visible * d)...]))
        func attend(_ level: Int32) -> [Float] {
            var scratch = [Float](repeating: 0, count: visible + 32 * d), out = [Float](repeating: 0, count: d)
            strata_attend_row_f16(level, q, k, v, Int64(visible), Int64(d), 0.125, &scratch, &out)
            return out
        }
        let portable = attend(0)
        expectClose(attend(1).map(Double.init), portable.map(Double.init), tolerance: 1e-5)
        // Three query heads sharing the key/value head give each head's bits alone, per level.
        let queries = randomTensor([3 * d], seed: 93).floats
        for level: Int32 in [0, 1] {
            var scratch = [Float](repeating: 0, count: 3 * visible + 32 * d), grouped = [Float](repeating: 0, count: 3 * d)
            strata_attend_group_f16(level, queries, 3, k, v, Int64(visible), Int64(d), 0.125, &scratch, &grouped)
            for g in 0..<3 {
                var one = [Float](repeating: 0, count: visible + 32 * d), out = [Float](repeating: 0, count: d)
                strata_attend_row_f16(level, Array(queries[g * d..<(g + 1) * d]), k, v, Int64(visible), Int64(d), 0.125, &one, &out)
                #expect(grouped[g * d..<(g + 1) * d].map(\.bitPattern) == out.map(\.bitPattern), "level \(level) head \(g)")
            }
        }
        // And both equal the float32 formula over the widened values.
        let keys = k.map { Float(Float16(bitPattern: $0)) }, values = v.map { Float(Float16(bitPattern: $0)) }
        let scores = (0..<visible).map { j in (0..<d).reduce(Float(0)) { $0 + q[$1] * keys[j * d + $1] } * 0.125 }
        let weights = scores.map { Foundation.exp(Double($0 - scores.max()!)) }
        let expected = (0..<d).map { i in (0..<visible).reduce(0.0) { $0 + weights[$1] * Double(values[$1 * d + i]) } / weights.reduce(0, +) }
        expectClose(portable.map(Double.init), expected, tolerance: 1e-5)
    }

    /// The sampler's tail weight: the sum of exp((x - peak) / T) over the x below a cutoff, for
    /// lengths with and without a partial last vector, against float64.
    @Test(arguments: [5, 8, 37]) func expSumBelowACutoff(n: Int) {
        let x = randomTensor([n], seed: 95).floats.map { $0 * 30 }
        let peak = x.max()!, cutoff = peak - 14, t = 0.7
        let want = x.filter { $0 < cutoff }.reduce(0.0) { $0 + Foundation.exp((Double($1) - Double(peak)) / t) }
        let got = strata_exp_sum_below_f32(x, Int64(n), peak, Float(1 / t), cutoff)
        if QuantizedMatrix.Kernels.best == .avx2 {
            // (x - peak) / T is rounded to float32 first: at arguments near -80 that alone moves
            // exp by ~80 · 2⁻²⁴ relative.
            #expect(abs(got - want) <= 3e-5 * want + 1e-30, "\(got) vs \(want)")
        } else {
            #expect(got == -1)
        }
    }

    /// The float32 row kernels of training's attention softmax and layer norm, forward and
    /// backward, against their formulas in float64, at widths with and without a partial vector.
    @Test(arguments: [5, 8, 37]) func trainingRowKernels(n: Int) {
        guard QuantizedMatrix.Kernels.best == .avx2 else { print("skipped: no AVX2 on this CPU"); return }
        let x = randomTensor([n], seed: 96).floats.map { $0 * 3 }, g = randomTensor([n], seed: 97).floats
        let w = randomTensor([n], seed: 98).floats, b = randomTensor([n], seed: 99).floats
        // Softmax of 0.5·x over the first n - 2 (at least 1) values, zeros after; then its backward.
        let visible = max(1, n - 2)
        var p = x
        #expect(strata_softmax_row_f32(&p, Int64(visible), Int64(n), 0.5) == 1)
        let e = x.prefix(visible).map { Foundation.exp(0.5 * Double($0 - x.prefix(visible).max()!)) }
        let want = e.map { $0 / e.reduce(0, +) } + [Double](repeating: 0, count: n - visible)
        expectClose(p.map(Double.init), want, tolerance: 1e-6)
        var dp = g
        #expect(strata_softmax_backward_row_f32(&dp, p, Int64(n), 0.5) == 1)
        let dot = zip(g, p).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        expectClose(dp.map(Double.init), zip(g, p).map { 0.5 * Double($0.1) * (Double($0.0) - dot) }, tolerance: 1e-6)
        // Layer norm forward, then backward with the saved mean and rstd.
        var y = [Float](repeating: 0, count: n), mean: Float = 0, rstd: Float = 0
        #expect(strata_layer_norm_row_f32(x, w, b, Int64(n), 1e-5, &y, &mean, &rstd) == 1)
        let mu = x.reduce(0.0) { $0 + Double($1) } / Double(n)
        let s = 1 / (x.reduce(0.0) { $0 + (Double($1) - mu) * (Double($1) - mu) } / Double(n) + 1e-5).squareRoot()
        let xhat = x.map { (Double($0) - mu) * s }
        expectClose(y.map(Double.init), (0..<n).map { xhat[$0] * Double(w[$0]) + Double(b[$0]) }, tolerance: 1e-5)
        var dx = [Float](repeating: 0, count: n), dw = [Float](repeating: 1, count: n), db = [Float](repeating: 2, count: n)
        #expect(strata_layer_norm_backward_row_f32(g, x, w, mean, rstd, Int64(n), &dx, &dw, &db) == 1)
        let gh = (0..<n).map { Double(g[$0]) * Double(w[$0]) }
        let meanG = gh.reduce(0, +) / Double(n), meanGX = zip(gh, xhat).reduce(0.0) { $0 + $1.0 * $1.1 } / Double(n)
        expectClose(dx.map(Double.init), (0..<n).map { s * (gh[$0] - meanG - xhat[$0] * meanGX) }, tolerance: 1e-5)
        expectClose(dw.map(Double.init), (0..<n).map { 1 + Double(g[$0]) * xhat[$0] }, tolerance: 1e-5)
        expectClose(db.map(Double.init), g.map { 2 + Double($0) }, tolerance: 1e-6)
    }

    @Test func tokenNegativeLogLikelihoods() {
        let logits = randomTensor([3, 7], seed: 81) * 5
        let out = Tensor.empty([3], dtype: .float64)
        backend.tokenNegativeLogLikelihoods(logits: logits, targets: Tensor([6, 0, 3] as [Int64]), into: out)
        let logP = logits.cast(to: .float64).logSoftmax(axis: 1).doubles
        expectClose(out.doubles, [-logP[6], -logP[7], -logP[14 + 3]], tolerance: 1e-6)
    }
}
