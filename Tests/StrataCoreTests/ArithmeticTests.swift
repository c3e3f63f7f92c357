import Foundation
import Testing
import StrataCore
import _StrataTestSupport

@Suite("Elementwise arithmetic, broadcasting, comparisons")
struct ArithmeticTests {
    let m = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])

    @Test func sameShape() {
        let b = Tensor([[6, 5, 4], [3, 2, 1]] as [[Float]])
        expectValues(m + b, [7, 7, 7, 7, 7, 7], shape: [2, 3])
        expectValues(m - b, [-5, -3, -1, 1, 3, 5], shape: [2, 3])
        expectValues(m * b, [6, 10, 12, 12, 10, 6], shape: [2, 3])
        expectValues(m / b, [1.0 / 6, 0.4, 0.75, 4.0 / 3, 2.5, 6], shape: [2, 3], tolerance: 1e-7)
        expectValues(m.pow(Tensor([[2, 0, 1], [0.5, 1, 2]] as [[Float]])), [1, 1, 3, 2, 5, 36], tolerance: 1e-6)
        #expect((m + b).dtype == .float32)
    }

    @Test func broadcastRowOverMatrix() {
        let row = Tensor([10, 20, 30] as [Float])
        expectValues(m + row, [11, 22, 33, 14, 25, 36], shape: [2, 3])
        expectValues(row + m, [11, 22, 33, 14, 25, 36], shape: [2, 3])
        expectValues(m - row, [-9, -18, -27, -6, -15, -24], shape: [2, 3])
        expectValues(row - m, [9, 18, 27, 6, 15, 24], shape: [2, 3])
        expectValues(m / Tensor([1, 2, 4] as [Float]), [1, 1, 0.75, 4, 2.5, 1.5], shape: [2, 3])
    }

    @Test func broadcastColumnTimesRow() {
        let column = Tensor([[1], [2]] as [[Float]])      // [2, 1]
        let row = Tensor([[1, 2, 3]] as [[Float]])        // [1, 3]
        expectValues(column * row, [1, 2, 3, 2, 4, 6], shape: [2, 3])
        expectValues(row * column, [1, 2, 3, 2, 4, 6], shape: [2, 3])
        expectValues(column + row, [2, 3, 4, 3, 4, 5], shape: [2, 3])
        // A column against a matrix.
        expectValues(m * column, [1, 2, 3, 8, 10, 12], shape: [2, 3])
    }

    @Test func broadcastAcrossRanks() {
        // [2, 1, 3] + [4, 1] -> [2, 4, 3]
        let a = Tensor.arange(0, 6).reshaped([2, 1, 3])
        let b = Tensor.arange(0, 4).reshaped([4, 1]) * 10
        let c = a + b
        #expect(c.shape == [2, 4, 3])
        var expected: [Double] = []
        for i in 0..<2 { for j in 0..<4 { for k in 0..<3 { expected.append(Double(i * 3 + k) + Double(j * 10)) } } }
        expectValues(c, expected)

        // [3] and [2, 1, 1] -> [2, 1, 3], float64
        let d = Tensor([1, 2, 3] as [Double]) * Tensor([2, -1] as [Double]).reshaped([2, 1, 1])
        expectValues(d, [2, 4, 6, -1, -2, -3], shape: [2, 1, 3])
        #expect(d.dtype == .float64)

        // A rank-0 tensor broadcasts against anything.
        expectValues(m * Tensor(scalar: 2 as Float), [2, 4, 6, 8, 10, 12], shape: [2, 3])
        expectValues(Tensor(scalar: 1 as Float) - m, [0, -1, -2, -3, -4, -5], shape: [2, 3])
        expectValues(Tensor(scalar: 3 as Float) + Tensor(scalar: 4 as Float), [7], shape: [])
    }

    @Test func broadcastedAndSummedBack() {
        let row = Tensor([1, 2, 3] as [Float])
        expectValues(row.broadcasted(to: [2, 3]), [1, 2, 3, 1, 2, 3], shape: [2, 3])
        expectValues(Tensor([[1], [2]] as [[Float]]).broadcasted(to: [2, 2, 3]), [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2], shape: [2, 2, 3])
        expectValues(Tensor([1, 2] as [Int64]).broadcasted(to: [2, 2]), [1, 2, 1, 2], shape: [2, 2])
        expectValues(Tensor.ones([4, 3]).summed(toShape: [3]), [4, 4, 4], shape: [3])
        expectValues(m.summed(toShape: [2, 1]), [6, 15], shape: [2, 1])
        expectValues(m.summed(toShape: [1, 3]), [5, 7, 9], shape: [1, 3])
        expectValues(m.summed(toShape: []), [21], shape: [])
    }

    @Test func scalarOperations() {
        let x = Tensor([1, 2, 4] as [Float])
        expectValues(x + 1, [2, 3, 5])
        expectValues(1 + x, [2, 3, 5])
        expectValues(x - 1, [0, 1, 3])
        expectValues(1 - x, [0, -1, -3])
        expectValues(x * 3, [3, 6, 12])
        expectValues(3 * x, [3, 6, 12])
        expectValues(x / 2, [0.5, 1, 2])
        expectValues(8 / x, [8, 4, 2])
        expectValues(-x, [-1, -2, -4])
        expectValues(x.pow(2), [1, 4, 16])
        expectValues(x.pow(0.5), [1, 2.0.squareRoot(), 2], tolerance: 1e-6)
        expectValues(x.square(), [1, 4, 16])
        var y = x
        y += Tensor([1, 1, 1] as [Float])
        y -= Tensor([0.5, 0.5, 0.5] as [Float])
        y *= Tensor([2, 2, 2] as [Float])
        expectValues(y, [3, 5, 9])
        expectValues(x, [1, 2, 4])   // the compound operators rebind, they don't mutate the tensor
        let d = Tensor([0.1] as [Double]) * 3
        #expect(d.dtype == .float64 && d.doubles == [0.1 * 3])
    }

    @Test func unaryFunctions() {
        let v: [Double] = [-2, -0.5, 0, 0.3, 1.5]
        let x = Tensor(v)   // float64: compare with libm exactly enough
        func check(_ t: Tensor, _ f: (Double) -> Double, sourceLocation: SourceLocation = #_sourceLocation) {
            expectValues(t, v.map(f), shape: [5], tolerance: 1e-12, sourceLocation: sourceLocation)
        }
        check(x.exp(), Foundation.exp)
        check(x.abs(), Swift.abs)
        check(x.tanh(), Foundation.tanh)
        check(x.sigmoid()) { 1 / (1 + Foundation.exp(-$0)) }
        check(x.relu()) { Swift.max($0, 0) }
        check(x.leakyRelu(slope: 0.1)) { $0 > 0 ? $0 : 0.1 * $0 }
        check(x.silu()) { $0 / (1 + Foundation.exp(-$0)) }
        check(x.softplus()) { Foundation.log(1 + Foundation.exp($0)) }
        check(x.sin(), Foundation.sin)
        check(x.cos(), Foundation.cos)
        check(x.gelu(approximate: false)) { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }
        check(x.gelu()) { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }
        let p = Tensor([0.25, 1, 4] as [Double])
        expectValues(p.log(), [Foundation.log(0.25), 0, Foundation.log(4)], tolerance: 1e-15)
        expectValues(p.sqrt(), [0.5, 1, 2])
        expectValues(p.rsqrt(), [2, 1, 0.5])
        // float32 follows the same functions within float rounding.
        expectValues(Tensor([0, 1] as [Float]).exp(), [1, Double(Float(M_E))], tolerance: 1e-6)
    }

    @Test func clampMaximumMinimum() {
        let x = Tensor([-3, -1, 0, 0.5, 2, 7] as [Float])
        expectValues(x.clamp(min: -1, max: 1), [-1, -1, 0, 0.5, 1, 1])
        expectValues(x.clamp(min: 0), [0, 0, 0, 0.5, 2, 7])
        expectValues(x.clamp(max: 0.5), [-3, -1, 0, 0.5, 0.5, 0.5])
        let a = Tensor([[1, 5], [3, -2]] as [[Float]])
        let b = Tensor([2, 0] as [Float])
        expectValues(a.maximum(b), [2, 5, 3, 0], shape: [2, 2])
        expectValues(a.minimum(b), [1, 0, 2, -2], shape: [2, 2])
        expectValues(a.maximum(Tensor(scalar: 2 as Float)), [2, 5, 3, 2], shape: [2, 2])
    }

    @Test func comparisonsGiveBoolTensors() {
        let a = Tensor([1, 2, 3, 4] as [Float])
        let b = Tensor([4, 2, 1, 4] as [Float])
        let eq = a .== b
        #expect(eq.dtype == .bool && eq.shape == [4])
        #expect(eq.toArray(as: Bool.self) == [false, true, false, true])
        #expect((a .!= b).toArray(as: Bool.self) == [true, false, true, false])
        #expect((a .< b).toArray(as: Bool.self) == [true, false, false, false])
        #expect((a .<= b).toArray(as: Bool.self) == [true, true, false, true])
        #expect((a .> b).toArray(as: Bool.self) == [false, false, true, false])
        #expect((a .>= b).toArray(as: Bool.self) == [false, true, true, true])

        // With a Double on the right.
        #expect((a .> 2).toArray(as: Bool.self) == [false, false, true, true])
        #expect((a .>= 2).toArray(as: Bool.self) == [false, true, true, true])
        #expect((a .< 2).toArray(as: Bool.self) == [true, false, false, false])
        #expect((a .<= 2).toArray(as: Bool.self) == [true, true, false, false])
        #expect((a .== 3).toArray(as: Bool.self) == [false, false, true, false])
        #expect((a .!= 3).toArray(as: Bool.self) == [true, true, false, true])

        // Broadcasting: [2, 1] against [3].
        let c = Tensor([[1], [3]] as [[Float]]) .< Tensor([0, 2, 4] as [Float])
        #expect(c.shape == [2, 3])
        #expect(c.toArray(as: Bool.self) == [false, true, true, false, false, true])

        // Integer, float64 and Bool tensors compare too.
        let ids = Tensor([3, 1, 2] as [Int64])
        #expect((ids .== Tensor([3, 0, 2] as [Int64])).toArray(as: Bool.self) == [true, false, true])
        #expect((Tensor([1, 5] as [Int32]) .> 2).toArray(as: Bool.self) == [false, true])
        #expect((Tensor([0.5, 1.5] as [Double]) .<= 1).toArray(as: Bool.self) == [true, false])
        #expect((Tensor([true, false]) .== Tensor([true, true])).toArray(as: Bool.self) == [true, false])
        #expect((Tensor([1, 2] as [Float16]) .> Tensor([1, 1] as [Float16])).toArray(as: Bool.self) == [false, true])
    }

    @Test func logicalOperators() {
        let p = Tensor([true, true, false, false])
        let q = Tensor([true, false, true, false])
        #expect((p .&& q).toArray(as: Bool.self) == [true, false, false, false])
        #expect((p .|| q).toArray(as: Bool.self) == [true, true, true, false])
        #expect((.!p).toArray(as: Bool.self) == [false, false, true, true])
        let x = Tensor([-2, -1, 0, 1, 2] as [Float])
        let inside = (x .> -2) .&& (x .< 2)
        #expect(inside.dtype == .bool)
        #expect(inside.toArray(as: Bool.self) == [false, true, true, true, false])
        // Broadcasting a single Bool.
        #expect((p .&& Tensor([true])).toArray(as: Bool.self) == [true, true, false, false])
    }

    @Test func whereSelects() {
        let x = Tensor([[-1, 2, -3], [4, -5, 6]] as [[Float]])
        expectValues(Tensor.where(x .> 0, x, Tensor.zeros([2, 3])), [0, 2, 0, 4, 0, 6], shape: [2, 3])
        expectValues(Tensor.where(x .> 0, x, x * 0.1), [-0.1, 2, -0.3, 4, -0.5, 6], shape: [2, 3], tolerance: 1e-7)
        // Condition, a and b broadcast together: [3] condition, [2, 1] a, scalar b.
        let cond = Tensor([true, false, true])
        let a = Tensor([[1], [2]] as [[Float]])
        expectValues(Tensor.where(cond, a, Tensor(scalar: 9 as Float)), [1, 9, 1, 2, 9, 2], shape: [2, 3])
        // Integer branches.
        let picked = Tensor.where(cond, Tensor([1, 2, 3] as [Int64]), Tensor([-1, -2, -3] as [Int64]))
        #expect(picked.dtype == .int64)
        #expect(picked.toArray(as: Int64.self) == [1, -2, 3])
    }

    /// Sizes above the parallel grain (32768 elements) take the multi-threaded path; compare with plain loops.
    @Test func largeTensorsMatchPlainLoops() {
        let n = 150_000
        var va = [Float](repeating: 0, count: n), vb = [Float](repeating: 0, count: n)
        for i in 0..<n {
            va[i] = Float(i % 1000) * 0.01 - 5
            vb[i] = Float((i * 7) % 113) * 0.1 + 0.5
        }
        let a = Tensor(va), b = Tensor(vb)
        let sum = (a + b).floats, product = (a * b).floats, quotient = (a / b).floats
        let affine = (a * 2 + 1).floats, relu = a.relu().floats, gt = (a .> b).toArray(as: Bool.self)
        var bad = 0
        for i in 0..<n {
            if sum[i] != va[i] + vb[i] { bad += 1 }
            if product[i] != va[i] * vb[i] { bad += 1 }
            if quotient[i] != va[i] / vb[i] { bad += 1 }
            if affine[i] != 2 * va[i] + 1 { bad += 1 }
            if relu[i] != Swift.max(va[i], 0) { bad += 1 }
            if gt[i] != (va[i] > vb[i]) { bad += 1 }
        }
        #expect(bad == 0)

        // Broadcast a [500] row over [300, 500] (many rows, each row a chunk of work).
        let rows = 300, cols = 500
        let matrix = Tensor(Array(va[0..<(rows * cols)]), shape: [rows, cols])
        let row = Tensor(Array(vb[0..<cols]))
        let broadcastSum = (matrix - row).floats
        let column = Tensor(Array(vb[0..<rows]), shape: [rows, 1])
        let broadcastProduct = (matrix * column).floats
        var badBroadcast = 0
        for i in 0..<rows {
            for j in 0..<cols {
                if broadcastSum[i * cols + j] != va[i * cols + j] - vb[j] { badBroadcast += 1 }
                if broadcastProduct[i * cols + j] != va[i * cols + j] * vb[i] { badBroadcast += 1 }
            }
        }
        #expect(badBroadcast == 0)

        // One long row broadcast against a scalar tensor (rows == 1: the split is inside the row).
        let shifted = (a - Tensor(scalar: 1 as Float)).floats
        #expect(zip(shifted, va).allSatisfy { $0 == $1 - 1 })
    }
}
