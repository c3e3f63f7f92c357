import Testing
import StrataCore
import _StrataTestSupport

/// One matrix-product size (m x k · k x n).
struct MatmulSize: CustomTestStringConvertible, Sendable {
    let m: Int, k: Int, n: Int
    var testDescription: String { "\(m)x\(k)·\(k)x\(n)" }
}

@Suite("Matrix multiplication against a naive triple loop")
struct MatmulTests {
    /// Odd sizes, sizes that leave partial register tiles, and 300x200·200x100, which is above
    /// the 4 MFLOP threshold where the product is split across threads.
    static let sizes = [MatmulSize(m: 1, k: 1, n: 1), MatmulSize(m: 1, k: 5, n: 1), MatmulSize(m: 3, k: 1, n: 4),
                        MatmulSize(m: 7, k: 13, n: 5), MatmulSize(m: 16, k: 9, n: 17), MatmulSize(m: 65, k: 129, n: 33),
                        MatmulSize(m: 300, k: 200, n: 100)]

    /// float32 products are compared within a tolerance that grows with the inner dimension.
    static func tolerance(_ dtype: DType, k: Int) -> Double {
        dtype == .float32 ? 2e-6 * Double(k).squareRoot() + 1e-6 : 1e-12
    }

    @Test("products", arguments: sizes, [DType.float32, .float64])
    func plainProduct(_ s: MatmulSize, _ dtype: DType) {
        let a = randomTensor([s.m, s.k], seed: 1, dtype: dtype), b = randomTensor([s.k, s.n], seed: 2, dtype: dtype)
        let c = a.matmul(b)
        #expect(c.shape == [s.m, s.n] && c.dtype == dtype)
        expectClose(c.doubles, Naive.matmul(a.doubles, b.doubles, m: s.m, k: s.k, n: s.n), tolerance: Self.tolerance(dtype, k: s.k))
    }

    /// All four flag combinations. 100x160·160x130 (4.2 MFLOP) is above the 4 MFLOP split threshold, where a
    /// transposed A is split across threads by column offset rather than by row (kept smaller than
    /// 300x200x100 because the built-in GEMM is slow in debug builds).
    @Test("transpose flags", arguments: [MatmulSize(m: 1, k: 1, n: 1), MatmulSize(m: 7, k: 13, n: 5), MatmulSize(m: 65, k: 129, n: 33),
                                         MatmulSize(m: 100, k: 160, n: 130)], [DType.float32, .float64])
    func transposeFlags(_ s: MatmulSize, _ dtype: DType) {
        // op(A) is [m, k] and op(B) is [k, n]; where a flag is set, the stored matrix is the transpose.
        let opA = randomTensor([s.m, s.k], seed: 3, dtype: dtype), opB = randomTensor([s.k, s.n], seed: 4, dtype: dtype)
        let expected = Naive.matmul(opA.doubles, opB.doubles, m: s.m, k: s.k, n: s.n)
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                let a = transposeA ? opA.transposed() : opA, b = transposeB ? opB.transposed() : opB
                let c = Tensor.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
                #expect(c.shape == [s.m, s.n])
                expectClose(c.doubles, expected, tolerance: Self.tolerance(dtype, k: s.k))
            }
        }
        // The naive reference reads transposed storage the same way.
        let a = opA.transposed(), b = opB.transposed()
        expectClose(Naive.matmul(a.doubles, b.doubles, m: s.m, k: s.k, n: s.n, transposeA: true, transposeB: true), expected,
                    tolerance: 1e-12)
    }

    @Test func smallLiteralProduct() {
        let a = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])
        let b = Tensor([[7, 8], [9, 10], [11, 12]] as [[Float]])
        expectValues(a.matmul(b), [58, 64, 139, 154], shape: [2, 2])
        expectValues(Tensor.matmul(a, a, transposeB: true), [14, 32, 32, 77], shape: [2, 2])
        expectValues(Tensor.matmul(a, a, transposeA: true), [17, 22, 27, 22, 29, 36, 27, 36, 45], shape: [3, 3])
        expectValues(Tensor.eye(3).matmul(b), b.doubles, shape: [3, 2])
    }

    /// Each output matrix of a batched product equals the product of the matching input matrices.
    func expectBatched(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false, expectedShape: Shape,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        let c = Tensor.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
        #expect(c.shape == expectedShape, sourceLocation: sourceLocation)
        guard c.shape == expectedShape else { return }
        let batch = Array(expectedShape.dims.dropLast(2))
        let (m, n) = (expectedShape[expectedShape.rank - 2], expectedShape[expectedShape.rank - 1])
        let k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let av = a.doubles, bv = b.doubles, cv = c.doubles
        func matrix(_ values: [Double], _ shape: Shape, _ index: [Int]) -> [Double] {
            // Broadcast batch index: leading axes missing or of size 1 map to 0.
            let lead = Array(shape.dims.dropLast(2))
            let aligned = index.suffix(lead.count)
            let idx = zip(aligned, lead).map { $1 == 1 ? 0 : $0 }
            let size = shape[shape.rank - 2] * shape[shape.rank - 1]
            let start = (lead.isEmpty ? 0 : flatIndex(idx, lead)) * size
            return Array(values[start..<(start + size)])
        }
        for index in allIndices(batch) {
            let expected = Naive.matmul(matrix(av, a.shape, index), matrix(bv, b.shape, index), m: m, k: k, n: n,
                                        transposeA: transposeA, transposeB: transposeB)
            let start = (batch.isEmpty ? 0 : flatIndex(index, batch)) * m * n
            expectClose(Array(cv[start..<(start + m * n)]), expected, tolerance: Self.tolerance(a.dtype, k: k), sourceLocation: sourceLocation)
        }
    }

    @Test func batchedWithBroadcasting() {
        // Same batch.
        expectBatched(randomTensor([4, 3, 5], seed: 1), randomTensor([4, 5, 2], seed: 2), expectedShape: [4, 3, 2])
        // A batch times one matrix (folded into one large product).
        expectBatched(randomTensor([2, 3, 7, 5], seed: 3), randomTensor([5, 6], seed: 4), expectedShape: [2, 3, 7, 6])
        expectBatched(randomTensor([2, 3, 7, 5], seed: 3), randomTensor([6, 5], seed: 4), transposeB: true, expectedShape: [2, 3, 7, 6])
        // One matrix times a batch.
        expectBatched(randomTensor([3, 4], seed: 5), randomTensor([2, 4, 5], seed: 6), expectedShape: [2, 3, 5])
        // Size-1 batch axes broadcast both ways: [2, 1] and [5] -> [2, 5].
        expectBatched(randomTensor([2, 1, 3, 4], seed: 7, dtype: .float64), randomTensor([5, 4, 2], seed: 8, dtype: .float64),
                      expectedShape: [2, 5, 3, 2])
        expectBatched(randomTensor([1, 3, 3, 4], seed: 9), randomTensor([2, 1, 4, 6], seed: 10), expectedShape: [2, 3, 3, 6])
        // Batched with transposes, including transposeA with a rank-2 right operand (not folded).
        expectBatched(randomTensor([3, 4, 5], seed: 11), randomTensor([3, 6, 4], seed: 12), transposeA: true, transposeB: true, expectedShape: [3, 5, 6])
        expectBatched(randomTensor([2, 4, 5], seed: 13, dtype: .float64), randomTensor([4, 3], seed: 14, dtype: .float64), transposeA: true,
                      expectedShape: [2, 5, 3])
        // Many small products (the batch loop is split across threads).
        expectBatched(randomTensor([64, 8, 8], seed: 15), randomTensor([64, 8, 8], seed: 16), expectedShape: [64, 8, 8])
    }

    @Test func oneDimensionalOperands() {
        let v = Tensor([1, 2, 3, 4] as [Float])
        let m = Tensor.arange(0, 12).reshaped([4, 3])   // rows [0 1 2] [3 4 5] [6 7 8] [9 10 11]
        expectValues(v.matmul(m), [60, 70, 80], shape: [3])
        let mt = Tensor.arange(0, 12).reshaped([3, 4])
        expectValues(mt.matmul(v), [20, 60, 100], shape: [3])
        expectValues(v.matmul(v), [30], shape: [])
        // A batch times a vector: [2, 3, 4] · [4] -> [2, 3].
        let batch = Tensor.arange(0, 24).reshaped([2, 3, 4])
        expectValues(batch.matmul(v), [20, 60, 100, 140, 180, 220], shape: [2, 3])
        // A vector times a batch: [4] · [2, 4, 3] -> [2, 3].
        let batchB = Tensor.arange(0, 24).reshaped([2, 4, 3])
        expectValues(v.matmul(batchB), [60, 70, 80, 180, 190, 200], shape: [2, 3])
        let d = Tensor([1, -1] as [Double]).matmul(Tensor([[2, 3], [4, 5]] as [[Double]]))
        #expect(d.dtype == .float64)
        expectValues(d, [-2, -2], shape: [2])
    }

    /// Single-row float32 products go through sgemv when OpenBLAS is loaded: every transpose
    /// combination against the float64 product (which always takes the GEMM path).
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func singleRowProducts(_ flags: (Bool, Bool)) {
        let (transA, transB) = flags
        let a = randomTensor(transA ? [37, 1] : [1, 37], seed: 3), b = randomTensor(transB ? [53, 37] : [37, 53], seed: 4)
        let got = Tensor.matmul(a, b, transposeA: transA, transposeB: transB)
        let expected = Tensor.matmul(a.cast(to: .float64), b.cast(to: .float64), transposeA: transA, transposeB: transB)
        #expect(got.shape == Shape([1, 53]))
        #expect(zip(got.doubles, expected.doubles).allSatisfy { abs($0 - $1) < 1e-4 })
        let biased = Tensor.linear(transA ? a.transposed() : a, weight: transB ? b : b.transposed(), bias: Tensor.ones([53]))
        #expect(zip(biased.doubles, expected.doubles).allSatisfy { abs($0 - $1 - 1) < 1e-4 })
    }
}
