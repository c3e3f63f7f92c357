import Testing
import StrataCore
import _StrataTestSupport

/// The reduction requirements of ``Backend`` called directly, against the ops and written-out values.
@Suite("Backend: reductions")
struct BackendReductionTests {
    let backend = Device.cpu.backend
    /// 0..<24 as [2, 3, 4]: x[i, j, k] = 12i + 4j + k.
    let x = Tensor.arange(0, 24).reshaped([2, 3, 4])

    @Test func reduceTheMiddleAxis() {
        let sum = Tensor.empty([2, 4]), max = Tensor.empty([2, 4]), min = Tensor.empty([6])
        backend.reduce(.sum, x, outer: 2, n: 3, inner: 4, into: sum)
        backend.reduce(.max, x, outer: 2, n: 3, inner: 4, into: max)
        backend.reduce(.min, x, outer: 6, n: 4, inner: 1, into: min)
        #expect(sum.doubles == [12, 15, 18, 21, 48, 51, 54, 57])
        #expect(sum.doubles == x.sum(axis: 1).doubles)
        #expect(max.doubles == [8, 9, 10, 11, 20, 21, 22, 23])
        #expect(max.doubles == x.max(axes: [1]).doubles)
        #expect(min.doubles == [0, 4, 8, 12, 16, 20])
        #expect(min.doubles == x.min(axes: [2]).doubles)
        // An empty middle axis sums to zero.
        let empty = Tensor.full([3], value: 7)
        backend.reduce(.sum, Tensor.zeros([3, 0, 1]), outer: 3, n: 0, inner: 1, into: empty)
        #expect(empty.doubles == [0, 0, 0])
    }

    /// A long float64 row takes the chunked path of the kernel; the op must give the same bits.
    @Test func longRowMatchesTheOpAndAReference() {
        let row = randomTensor([100_003], seed: 5, dtype: .float64)
        let out = Tensor.empty([1], dtype: .float64)
        backend.reduce(.sum, row, outer: 1, n: 100_003, inner: 1, into: out)
        #expect(out.doubles == [row.sum().item()])
        let exact = row.doubles.reduce(0, +)
        #expect(Swift.abs(out.doubles[0] - exact) < 1e-9)
    }

    @Test func argExtremaOfFloatAndIntegerValues() {
        let y = Tensor([[3, -1, 7, 2], [0, 9, -4, 9], [5, 5, 5, 5]] as [[Float]])
        for dtype in [DType.float32, .float64, .int32, .int64] {
            let v = y.cast(to: dtype)
            let largest = Tensor.empty([3], dtype: .int64), smallest = Tensor.empty([3], dtype: .int64)
            backend.argExtremum(v, largest: true, outer: 3, n: 4, inner: 1, into: largest)
            backend.argExtremum(v, largest: false, outer: 3, n: 4, inner: 1, into: smallest)
            // First index on ties.
            #expect(largest.toArray(as: Int64.self) == [2, 1, 0], "\(dtype)")
            #expect(smallest.toArray(as: Int64.self) == [1, 2, 0], "\(dtype)")
            #expect(largest.toArray(as: Int64.self) == v.argmax(axis: 1).toArray(as: Int64.self))
        }
        let columns = Tensor.empty([4], dtype: .int64)
        backend.argExtremum(y, largest: false, outer: 1, n: 3, inner: 4, into: columns)
        #expect(columns.toArray(as: Int64.self) == [1, 0, 1, 0])
        #expect(columns.toArray(as: Int64.self) == y.argmin(axis: 0).toArray(as: Int64.self))
    }
}
