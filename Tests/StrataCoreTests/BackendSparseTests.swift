import Testing
import StrataCore

/// The recommender kernels called through `Device.cpu.backend`, against the same products built
/// from StrataCore's gathers, matmul and sums.
@Suite struct BackendSparseTests {
    let backend = Device.cpu.backend

    @Test func factorizationScoresAndGradient() {
        let p = randomTensor([3, 4], seed: 21, dtype: .float64), q = randomTensor([5, 4], seed: 22, dtype: .float64)
        let bu = randomTensor([3], seed: 23, dtype: .float64), bi = randomTensor([5], seed: 24, dtype: .float64)
        let users: [Int32] = [0, 2, 2], items: [Int32] = [4, 1, 4]
        let out = Tensor.empty([3], dtype: .float64)
        backend.factorizationScores(users: Tensor(users), items: Tensor(items), userFactors: p, itemFactors: q, userBias: bu,
                                    itemBias: bi, offset: 3.5, into: out)
        let u = Tensor(users.map(Int64.init)), i = Tensor(items.map(Int64.init))
        let expected = (p[indices: u] * q[indices: i]).sum(axis: 1) + bu[indices: u] + bi[indices: i] + 3.5
        expectClose(out.doubles, expected.doubles, tolerance: 1e-14)

        let g = Tensor([1, -2, 0.5] as [Double])
        let gp = Tensor.zeros(like: p), gq = Tensor.zeros(like: q), gbu = Tensor.zeros(like: bu), gbi = Tensor.zeros(like: bi)
        backend.factorizationScoresBackward(upstream: g, users: Tensor(users), items: Tensor(items), userFactors: p, itemFactors: q,
                                            userFactorsGradient: gp, itemFactorsGradient: gq, userBiasGradient: gbu, itemBiasGradient: gbi)
        // User 2 appears twice: its gradient row sums both samples.
        let (pv, qv, gv) = (p.doubles, q.doubles, g.doubles)
        var wantP = [Double](repeating: 0, count: 12), wantBi = [Double](repeating: 0, count: 5)
        for b in 0..<3 {
            wantBi[Int(items[b])] += gv[b]
            for j in 0..<4 { wantP[Int(users[b]) * 4 + j] += gv[b] * qv[Int(items[b]) * 4 + j] }
        }
        expectClose(gp.doubles, wantP, tolerance: 1e-14)
        expectClose(gbi.doubles, wantBi, tolerance: 1e-14)
        expectClose(gbu.doubles, [1, 0, -1.5], tolerance: 1e-14)
        #expect(gq.doubles[4 * 4] == gv[0] * pv[0] + gv[2] * pv[8])
    }

    @Test func squaredNormOfRows() {
        let t = randomTensor([4, 3], seed: 31)
        let rows = Tensor([1, 1, 3] as [Int32])
        let out = Tensor.empty([], dtype: .float32)
        backend.squaredNormOfRows(t, rows: rows, into: out)
        let v = t.doubles
        func norm(_ row: Int) -> Double { (0..<3).map { (j: Int) -> Double in v[row * 3 + j] * v[row * 3 + j] }.reduce(0, +) }
        let expected: Double = 2 * norm(1) + norm(3)
        expectClose(out.doubles, [expected], tolerance: 1e-6)
        let grad = Tensor.zeros(like: t)
        backend.squaredNormOfRowsBackward(upstream: Tensor(scalar: Float(0.5)), table: t, rows: rows, into: grad)
        var want = [Double](repeating: 0, count: 12)
        for j in 0..<3 { want[3 + j] = 2 * v[3 + j]; want[9 + j] = v[9 + j] }
        expectClose(grad.doubles, want, tolerance: 1e-6)
    }

    @Test(arguments: [DType.float32, .float64]) func csrProductEqualsDenseMatmul(dtype: DType) {
        // A = [[0, 2, 0], [0, 0, 0], [1, 0, -3]] in CSR; x [3, 2].
        let dense = Tensor([[0, 2, 0], [0, 0, 0], [1, 0, -3]] as [[Double]]).cast(to: dtype)
        let x = randomTensor([3, 2], seed: 41, dtype: dtype)
        let out = Tensor.zeros([3, 2], dtype: dtype)
        backend.sparseDenseProduct(rowStart: Tensor([0, 1, 1, 3] as [Int64]), columnIndex: Tensor([1, 0, 2] as [Int32]),
                                   values: Tensor([2, 1, -3] as [Double]).cast(to: dtype), x, into: out)
        expectClose(out.doubles, dense.matmul(x).doubles, tolerance: dtype == .float32 ? 1e-6 : 1e-15)
    }

    @Test func rowDotProducts() {
        let table = Tensor([[1, 2], [3, 4], [-1, 0.5]] as [[Float]])
        let out = Tensor.empty([2])
        backend.rowDotProducts(table, left: Tensor([0, 2] as [Int32]), right: Tensor([1, 1] as [Int32]), into: out)
        #expect(out.floats == [11, -1])
    }
}
