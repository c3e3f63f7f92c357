import Testing
import StrataCore
import _StrataTestSupport

/// The fused primitives (layer norm, attention): finite-difference gradient checks, and forward
/// values against the same computation written out with gradient-checked primitives.
let fusedCases: [GradientCase] = [
    GradientCase(name: "layerNorm affine", shapes: [[2, 3, 5], [5], [5]]) { $0[0].layerNorm(weight: $0[1], bias: $0[2]) },
    GradientCase(name: "layerNorm plain", shapes: [[4, 6]]) { $0[0].layerNorm(weight: nil, bias: nil) },
    GradientCase(name: "attention", shapes: [[2, 3, 4], [2, 5, 4], [2, 5, 3]]) {
        Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2])
    },
    GradientCase(name: "attention causal", shapes: [[2, 2, 4, 3], [2, 2, 4, 3], [2, 2, 4, 3]]) {
        Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], causal: true)
    },
    GradientCase(name: "attention causal after a cache", shapes: [[1, 2, 3], [1, 5, 3], [1, 5, 2]]) {
        Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], causal: true, scale: 0.7)
    },
    GradientCase(name: "attention padding mask", shapes: [[2, 3, 4], [2, 4, 4], [2, 4, 4]]) {
        let keep = Tensor([true, true, false, true, true, true, true, false], shape: [2, 1, 4])
        return Tensor.scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: keep)
    },
    GradientCase(name: "causal self-attention from packed qkv", shapes: [[2, 3, 12]]) {
        Tensor.causalSelfAttention(packed: $0[0], heads: 2)
    },
    GradientCase(name: "linear with bias", shapes: [[5, 3], [4, 3], [4]]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) },
    GradientCase(name: "linear with bias and residual", shapes: [[5, 3], [4, 3], [4], [5, 4]]) {
        Tensor.linear($0[0], weight: $0[1], bias: $0[2], adding: $0[3])
    },
    GradientCase(name: "lstm sequence", shapes: [[2, 3, 4], [2, 5], [2, 5], [20, 4], [20, 5], [20], [20]]) {
        Tensor.lstm($0[0], h0: $0[1], c0: $0[2], weightIH: $0[3], weightHH: $0[4], biasIH: $0[5], biasHH: $0[6])
    },
    GradientCase(name: "lstm without biases", shapes: [[1, 4, 2], [1, 3], [1, 3], [12, 2], [12, 3]]) {
        Tensor.lstm($0[0], h0: $0[1], c0: $0[2], weightIH: $0[3], weightHH: $0[4], biasIH: nil, biasHH: nil)
    },
]

/// One LSTM step written out with primitives (PyTorch's equations, gates i, f, g, o).
private func lstmStepWrittenOut(_ x: Tensor, _ h: Tensor, _ c: Tensor, _ wih: Tensor, _ whh: Tensor, _ b: Tensor) -> (Tensor, Tensor) {
    let z = x.matmul(wih.transposed()) + h.matmul(whh.transposed()) + b
    let n = h.shape[1]
    let i = z[.all, 0..<n].sigmoid(), f = z[.all, n..<(2 * n)].sigmoid()
    let g = z[.all, (2 * n)..<(3 * n)].tanh(), o = z[.all, (3 * n)..<(4 * n)].sigmoid()
    let cNext = f * c + i * g
    return (o * cNext.tanh(), cNext)
}

/// Attention written out: scores, an additive -inf mask, softmax, weighted sum.
private func attentionWrittenOut(_ q: Tensor, _ k: Tensor, _ v: Tensor, allowed: Tensor) -> Tensor {
    let scores = q.matmul(k.transposed(-2, -1)) / Double(q.shape[q.rank - 1]).squareRoot()
    let masked = Tensor.where(allowed, scores, Tensor.full([], value: -1e9, dtype: scores.dtype))
    return masked.softmax(axis: -1).matmul(v)
}

@Suite struct FusedPrimitiveTests {
    @Test(arguments: fusedCases) func gradient(_ c: GradientCase) {
        let error = gradientCheck(c.inputs(), c.f)
        #expect(error < 1e-6, "\(c.name): relative gradient error \(error)")
    }

    @Test func packedSelfAttentionMatchesSplitHeads() {
        let qkv = testTensor([2, 5, 24], seed: 8)   // 2 heads of 4
        let heads = qkv.reshaped([2, 5, 3, 2, 4]).permuted([2, 0, 3, 1, 4])
        let split = Tensor.scaledDotProductAttention(query: heads[0], key: heads[1], value: heads[2], causal: true)
        let expected = split.permuted([0, 2, 1, 3]).reshaped([2, 5, 8])
        #expect(maxAbsDifference(Tensor.causalSelfAttention(packed: qkv, heads: 2), expected) < 1e-12)
    }

    @Test func linearMatchesMatmulPlusBias() {
        let x = testTensor([6, 4], seed: 1), w = testTensor([3, 4], seed: 2), b = testTensor([3], seed: 3)
        #expect(maxAbsDifference(Tensor.linear(x, weight: w, bias: b), x.matmul(w.transposed()) + b) < 1e-12)
        let skip = testTensor([6, 3], seed: 4)
        #expect(maxAbsDifference(Tensor.linear(x, weight: w, bias: b, adding: skip), skip + (x.matmul(w.transposed()) + b)) < 1e-12)
        #expect(maxAbsDifference(Tensor.linear(x, weight: w, bias: nil, adding: skip), skip + x.matmul(w.transposed())) < 1e-12)
    }

    @Test func layerNormMatchesComposite() {
        let x = testTensor([3, 7], seed: 4).cast(to: .float32), w = testTensor([7], seed: 5).cast(to: .float32)
        let b = testTensor([7], seed: 6).cast(to: .float32)
        let mean = x.mean(axes: [1], keepDims: true)
        let centered = x - mean
        let expected = centered * (centered.square().mean(axes: [1], keepDims: true) + 1e-5).rsqrt() * w + b
        #expect(maxAbsDifference(x.layerNorm(weight: w, bias: b), expected) < 1e-5)
    }

    @Test func causalAttentionMatchesWrittenOut() {
        let q = testTensor([2, 5, 4], seed: 1), k = testTensor([2, 5, 4], seed: 2), v = testTensor([2, 5, 3], seed: 3)
        let rows = Tensor.arange(0, 5, dtype: .int64).reshaped([5, 1]), cols = Tensor.arange(0, 5, dtype: .int64).reshaped([1, 5])
        let expected = attentionWrittenOut(q, k, v, allowed: cols .<= rows)
        let fused = Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: true)
        #expect(maxAbsDifference(fused, expected) < 1e-12)
    }

    @Test func incrementalQueriesSeeTheWholeCache() {
        // The last query row of a full causal pass equals one query against all keys.
        let q = testTensor([1, 4, 2], seed: 7), k = testTensor([1, 4, 2], seed: 8), v = testTensor([1, 4, 2], seed: 9)
        let full = Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: true)
        let last = Tensor.scaledDotProductAttention(query: q[.all, 3..<4, .all], key: k, value: v, causal: true)
        #expect(maxAbsDifference(full[.all, 3..<4, .all], last) < 1e-12)
    }

    @Test func lstmMatchesStepsWrittenOut() {
        let x = testTensor([2, 4, 3], seed: 1), h0 = testTensor([2, 5], seed: 2), c0 = testTensor([2, 5], seed: 3)
        let wih = testTensor([20, 3], seed: 4), whh = testTensor([20, 5], seed: 5), bias = testTensor([20], seed: 6)
        let states = Tensor.lstm(x, h0: h0, c0: c0, weightIH: wih, weightHH: whh, biasIH: bias, biasHH: nil)
        var (h, c) = (h0, c0)
        for t in 0..<4 {
            (h, c) = lstmStepWrittenOut(x[.all, t, .all], h, c, wih, whh, bias)
            #expect(maxAbsDifference(states[t, 0], h) < 1e-12)
            #expect(maxAbsDifference(states[t, 1], c) < 1e-12)
        }
    }

    /// Each fused output is freed once the graph is gone: a backward closure that captured its own
    /// output would keep it (and everything it saved) alive forever, leaking memory every step.
    @Test(arguments: fusedCases) func outputsAreFreedAfterBackward(_ c: GradientCase) {
        weak var output: Tensor?
        do {
            let inputs = c.inputs().map { t -> Tensor in let l = t.copy(); l.requiresGrad = true; return l }
            let y = c.f(inputs)
            output = y
            y.sum().backward()
        }
        #expect(output == nil, "\(c.name): the output outlived its graph")
    }

    @Test func fullyMaskedRowsGiveZeros() {
        let q = testTensor([1, 2, 2], seed: 1), k = testTensor([1, 3, 2], seed: 2), v = testTensor([1, 3, 2], seed: 3)
        let mask = Tensor([false, false, false], shape: [1, 1, 3])
        let out = Tensor.scaledDotProductAttention(query: q, key: k, value: v, mask: mask)
        #expect(out.doubles == [0, 0, 0, 0])
    }
}
