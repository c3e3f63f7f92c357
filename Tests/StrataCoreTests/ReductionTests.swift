import Foundation
import Testing
import StrataCore
import _StrataTestSupport

@Suite("Reductions and softmax")
struct ReductionTests {
    /// 0..<24 as [2, 3, 4]: x[i, j, k] = 12i + 4j + k.
    let x = Tensor.arange(0, 24).reshaped([2, 3, 4])

    @Test func sumOverAxes() {
        expectValues(x.sum(), [276], shape: [])
        expectValues(x.sum(axis: 0), (0..<12).map { Double(2 * $0 + 12) }, shape: [3, 4])
        expectValues(x.sum(axis: 1), [12, 15, 18, 21, 48, 51, 54, 57], shape: [2, 4])
        expectValues(x.sum(axis: -1), [6, 22, 38, 54, 70, 86], shape: [2, 3])
        expectValues(x.sum(axis: 2, keepDims: true), [6, 22, 38, 54, 70, 86], shape: [2, 3, 1])
        expectValues(x.sum(axes: [0, 2]), [60, 92, 124], shape: [3])
        expectValues(x.sum(axes: [0, 2], keepDims: true), [60, 92, 124], shape: [1, 3, 1])
        expectValues(x.sum(axes: [0, 1]), [60, 66, 72, 78], shape: [4])
        expectValues(x.sum(axes: [1, 2], keepDims: true), [66, 210], shape: [2, 1, 1])
        expectValues(x.sum(keepDims: true), [276], shape: [1, 1, 1])
        // Duplicate and negative axes are normalised.
        expectValues(x.sum(axes: [-1, 2, 0]), [60, 92, 124], shape: [3])
        // Empty axes sum to zero.
        expectValues(Tensor.zeros([2, 0]).sum(axis: 1), [0, 0], shape: [2])
        #expect(Tensor([1, 2] as [Double]).sum().dtype == .float64)
    }

    @Test func meanMaxMin() {
        expectValues(x.mean(), [11.5], shape: [])
        expectValues(x.mean(axis: 0), (0..<12).map { Double($0 + 6) }, shape: [3, 4])
        expectValues(x.mean(axes: [0, 2], keepDims: true), [7.5, 11.5, 15.5], shape: [1, 3, 1])
        expectValues(x.mean(axis: -1), [1.5, 5.5, 9.5, 13.5, 17.5, 21.5], shape: [2, 3])

        let y = Tensor([[3, -1, 7, 2], [0, 9, -4, 9], [5, 5, 5, 5]] as [[Float]])
        expectValues(y.max(), [9], shape: [])
        expectValues(y.min(), [-4], shape: [])
        expectValues(y.max(axes: [1]), [7, 9, 5], shape: [3])
        expectValues(y.max(axes: [0]), [5, 9, 7, 9], shape: [4])
        expectValues(y.min(axes: [1], keepDims: true), [-1, -4, 5], shape: [3, 1])
        expectValues(y.min(axes: [0], keepDims: true), [0, -1, -4, 2], shape: [1, 4])
        expectValues(x.max(axes: [0, 2]), [15, 19, 23], shape: [3])
        expectValues(x.min(axes: [1, 2], keepDims: true), [0, 12], shape: [2, 1, 1])
    }

    /// Every subset of axes of a random [3, 4, 5] tensor against a plain loop.
    @Test func allAxisSubsetsMatchPlainLoops() {
        let dims = [3, 4, 5]
        let t = randomTensor(Shape(dims), seed: 5, dtype: .float64)
        let v = t.doubles
        for mask in 1..<8 {
            let axes = (0..<3).filter { mask & (1 << $0) != 0 }
            let outDims = (0..<3).map { axes.contains($0) ? 1 : dims[$0] }
            var sum = [Double](repeating: 0, count: outDims.reduce(1, *))
            var mx = [Double](repeating: -.infinity, count: sum.count), mn = [Double](repeating: .infinity, count: sum.count)
            for idx in allIndices(dims) {
                let o = flatIndex(idx.enumerated().map { axes.contains($0.offset) ? 0 : $0.element }, outDims)
                let value = v[flatIndex(idx, dims)]
                sum[o] += value
                mx[o] = Swift.max(mx[o], value)
                mn[o] = Swift.min(mn[o], value)
            }
            expectValues(t.sum(axes: axes, keepDims: true), sum, shape: Shape(outDims), tolerance: 1e-12)
            expectValues(t.max(axes: axes, keepDims: true), mx, shape: Shape(outDims))
            expectValues(t.min(axes: axes, keepDims: true), mn, shape: Shape(outDims))
            let n = Double(axes.reduce(1) { $0 * dims[$1] })
            expectValues(t.mean(axes: axes), sum.map { $0 / n }, tolerance: 1e-12)
            #expect(t.sum(axes: axes).shape == Shape(dims.enumerated().filter { !axes.contains($0.offset) }.map(\.element)))
        }
    }

    @Test func argmaxArgmin() {
        let y = Tensor([[3, -1, 7, 2], [0, 9, -4, 9], [5, 5, 5, 5]] as [[Float]])
        let am = y.argmax(axis: 1)
        #expect(am.dtype == .int64 && am.shape == [3])
        #expect(am.toArray(as: Int64.self) == [2, 1, 0])   // ties give the first index
        #expect(y.argmin(axis: 1).toArray(as: Int64.self) == [1, 2, 0])
        #expect(y.argmax(axis: 0).toArray(as: Int64.self) == [2, 1, 0, 1])
        #expect(y.argmin(axis: 0).toArray(as: Int64.self) == [1, 0, 1, 0])
        #expect(y.argmax(axis: -1, keepDims: true).shape == [3, 1])
        // The middle axis of a 3-D tensor.
        let z = Tensor([4, 1, 8, 0, 2, 9, 3, 7, 6, 5, 0, 1] as [Double], shape: [2, 3, 2])
        #expect(z.argmax(axis: 1).toArray(as: Int64.self) == [1, 2, 1, 0])
        #expect(z.argmin(axis: 1).toArray(as: Int64.self) == [2, 1, 2, 2])
        // Integer tensors.
        #expect(Tensor([3, 9, 2] as [Int64]).argmax(axis: 0).toArray(as: Int64.self) == [1])
        #expect(Tensor([3, 9, 2] as [Int32]).argmin(axis: 0).toArray(as: Int64.self) == [2])
    }

    @Test func varianceUnbiasedAndBiased() {
        let v = Tensor([1, 2, 3, 4] as [Double])
        expectValues(v.variance(), [5.0 / 3], shape: [], tolerance: 1e-15)
        expectValues(v.variance(unbiased: false), [1.25], shape: [], tolerance: 1e-15)
        let m = Tensor([[1, 3, 5], [2, 2, 8]] as [[Float]])
        expectValues(m.variance(axes: [1]), [4, 12], shape: [2], tolerance: 1e-6)
        expectValues(m.variance(axes: [1], unbiased: false), [8.0 / 3, 8], shape: [2], tolerance: 1e-6)
        expectValues(m.variance(axes: [0], keepDims: true), [0.5, 0.5, 4.5], shape: [1, 3], tolerance: 1e-6)
        expectValues(m.variance(), [33.5 / 5], shape: [], tolerance: 1e-6)   // mean 3.5, squared deviations add to 33.5
    }

    /// A one-axis float32 sum over 1M elements (the chunked, multi-threaded path) stays
    /// within 1e-3 relative of a Double loop.
    @Test func millionElementSum() {
        let n = 1_000_000
        var values = [Float](repeating: 0, count: n)
        var exact = 0.0
        for i in 0..<n {
            values[i] = Float(i % 1013) * 0.001 + 0.1
            exact += Double(values[i])
        }
        let t = Tensor(values)
        let total = t.sum().item()
        #expect(Swift.abs(total - exact) / exact < 1e-3)
        #expect(Swift.abs(t.mean().item() - exact / Double(n)) / (exact / Double(n)) < 1e-3)
        // The same data as [1000, 1000] summed over rows and over columns.
        let grid = t.reshaped([1000, 1000])
        let rowSums = grid.sum(axis: 1).doubles, columnSums = grid.sum(axis: 0).doubles
        #expect(Swift.abs(rowSums.reduce(0, +) - exact) / exact < 1e-3)
        #expect(Swift.abs(columnSums.reduce(0, +) - exact) / exact < 1e-3)
        var firstRow = 0.0, firstColumn = 0.0
        for j in 0..<1000 { firstRow += Double(values[j]); firstColumn += Double(values[j * 1000]) }
        #expect(Swift.abs(rowSums[0] - firstRow) / firstRow < 1e-5)
        #expect(Swift.abs(columnSums[0] - firstColumn) / firstColumn < 1e-5)
    }

    @Test func softmaxValues() {
        let s = Tensor([0, Foundation.log(2)] as [Double]).softmax()
        expectValues(s, [1.0 / 3, 2.0 / 3], tolerance: 1e-15)
        // Stable for large logits.
        expectValues(Tensor([1000, 1001] as [Float]).softmax(), [1 / (1 + M_E), M_E / (1 + M_E)], tolerance: 1e-6)
        expectValues(Tensor([-1000, 0] as [Float]).softmax(), [0, 1])
        // Uniform logits give uniform probabilities.
        expectValues(Tensor.zeros([2, 4]).softmax(axis: 1), [Double](repeating: 0.25, count: 8), shape: [2, 4])

        let logits = randomTensor([5, 7], seed: 9) * 4
        let p = logits.softmax(axis: -1)
        #expect(p.shape == [5, 7])
        for row in p.sum(axis: 1).doubles { #expect(Swift.abs(row - 1) < 1e-6) }
        #expect(p.floats.allSatisfy { $0 > 0 && $0 < 1 })
        // Along axis 0 the columns sum to 1.
        for column in logits.softmax(axis: 0).sum(axis: 0).doubles { #expect(Swift.abs(column - 1) < 1e-6) }
        // Against a plain formula, along the middle axis of a 3-D tensor.
        let t = randomTensor([2, 3, 4], seed: 10, dtype: .float64)
        let v = t.doubles, sm = t.softmax(axis: 1).doubles
        for i in 0..<2 {
            for k in 0..<4 {
                let column = (0..<3).map { v[(i * 3 + $0) * 4 + k] }
                let total = column.map(Foundation.exp).reduce(0, +)
                for j in 0..<3 {
                    #expect(Swift.abs(sm[(i * 3 + j) * 4 + k] - Foundation.exp(column[j]) / total) < 1e-14)
                }
            }
        }
    }

    @Test func logSoftmaxIsLogOfSoftmax() {
        for (seed, dtype, tolerance) in [(UInt64(12), DType.float64, 1e-13), (13, .float32, 1e-5)] {
            let t = randomTensor([4, 6], seed: seed, dtype: dtype) * 3
            for axis in [0, 1, -1] {
                let direct = t.logSoftmax(axis: axis), composed = t.softmax(axis: axis).log()
                #expect(direct.dtype == dtype)
                #expect(maxAbsDifference(direct, composed) < tolerance)
            }
        }
        // Where softmax underflows to 0, logSoftmax stays finite.
        expectValues(Tensor([0, -200] as [Double]).logSoftmax(), [-Foundation.log(1 + Foundation.exp(-200)), -200 - Foundation.log(1 + Foundation.exp(-200))], tolerance: 1e-12)
        // logSumExp.
        let l = Tensor([[1, 2, 3], [1000, 1000, 1000]] as [[Double]])
        expectValues(l.logSumExp(axis: 1), [Foundation.log(M_E + M_E * M_E + M_E * M_E * M_E), 1000 + Foundation.log(3)], shape: [2], tolerance: 1e-12)
        #expect(l.logSumExp(axis: 1, keepDims: true).shape == [2, 1])
    }
}
