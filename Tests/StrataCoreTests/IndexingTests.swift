import Testing
import StrataCore
import _StrataTestSupport

@Suite("Slicing, indexing, gather/scatter, joining, shape changes")
struct IndexingTests {
    /// 0..<20 as [4, 5]: x[i, j] = 5i + j.
    let x = Tensor.arange(0, 20).reshaped([4, 5])
    /// 0..<24 as [2, 3, 4]: y[i, j, k] = 12i + 4j + k.
    let y = Tensor.arange(0, 24).reshaped([2, 3, 4])

    @Test func integerIndices() {
        expectValues(x[1], [5, 6, 7, 8, 9], shape: [5])
        expectValues(x[-1], [15, 16, 17, 18, 19], shape: [5])
        expectValues(x[1, 2], [7], shape: [])
        #expect(x[1, 2].item() == 7)
        expectValues(x[-2, -1], [14], shape: [])
        expectValues(x[.all, 3], [3, 8, 13, 18], shape: [4])
        expectValues(x[.all, -2], [3, 8, 13, 18], shape: [4])
        expectValues(y[1, 2], [20, 21, 22, 23], shape: [4])
        expectValues(y[0, .all, 1], [1, 5, 9], shape: [3])
    }

    /// `rows(_:)` is a view: the values of `slice`, the same memory as its tensor, and it keeps
    /// that memory alive after the tensor is gone.
    @Test func rowsShareMemory() {
        var x: Tensor? = Tensor((0..<24).map { Float($0) }, shape: [6, 2, 2])
        let view = x!.rows(2..<5)
        #expect(view.shape == [3, 2, 2] && view.floats == x!.slice(axis: 0, start: 2, end: 5).floats)
        view.assign(Tensor.zeros([3, 2, 2]))
        #expect(x!.floats == (0..<8).map { Float($0) } + [Float](repeating: 0, count: 12) + [20, 21, 22, 23])
        let empty = x!.rows(6..<6)
        #expect(empty.shape == [0, 2, 2])
        x = nil
        #expect(view.floats == [Float](repeating: 0, count: 12))
    }

    @Test func rangeIndices() {
        expectValues(x[1..<3, 2...], [7, 8, 9, 12, 13, 14], shape: [2, 3])
        expectValues(x[..<2], Array(0..<10).map(Double.init), shape: [2, 5])
        expectValues(x[...1, 4], [4, 9], shape: [2])
        expectValues(x[2...3, 0..<1], [10, 15], shape: [2, 1])
        expectValues(x[.range(0, nil, step: 2)], [0, 1, 2, 3, 4, 10, 11, 12, 13, 14], shape: [2, 5])
        expectValues(x[.all, .range(1, nil, step: 2)], [1, 3, 6, 8, 11, 13, 16, 18], shape: [4, 2])
        expectValues(x[.range(nil, nil, step: 3), .range(0, 5, step: 4)], [0, 4, 15, 19], shape: [2, 2])
        // Negative bounds count from the end; bounds past the end are clipped (numpy rules).
        expectValues(x[.range(-2, nil)], Array(10..<20).map(Double.init), shape: [2, 5])
        expectValues(x[.all, .range(-3, -1)], [2, 3, 7, 8, 12, 13, 17, 18], shape: [4, 2])
        expectValues(x[2..<100], Array(10..<20).map(Double.init), shape: [2, 5])
        #expect(x[3..<3].shape == [0, 5])
        // Mixed integer and strided items on three axes.
        expectValues(y[1, .all, .range(1, nil, step: 2)], [13, 15, 17, 19, 21, 23], shape: [3, 2])
        expectValues(y[.all, 1..<3, 0], [4, 8, 16, 20], shape: [2, 2])
        // slice(axis:...) directly.
        expectValues(x.slice(axis: 1, start: 0, end: 4, step: 2), [0, 2, 5, 7, 10, 12, 15, 17], shape: [4, 2])
        expectValues(x.slice(axis: -2, start: -1), [15, 16, 17, 18, 19], shape: [1, 5])
    }

    @Test func newAxisAndEllipsis() {
        #expect(x[.newAxis].shape == [1, 4, 5])
        expectValues(x[.newAxis], x.doubles)
        #expect(x[.all, .newAxis].shape == [4, 1, 5])
        #expect(x[.ellipsis, .newAxis].shape == [4, 5, 1])
        expectValues(x[1, .newAxis], [5, 6, 7, 8, 9], shape: [1, 5])
        expectValues(x[.newAxis, 1..<3, .newAxis, 0], [5, 10], shape: [1, 2, 1])

        expectValues(y[.ellipsis, 0], [0, 4, 8, 12, 16, 20], shape: [2, 3])
        expectValues(y[1, .ellipsis], Array(12..<24).map(Double.init), shape: [3, 4])
        expectValues(y[1, .ellipsis, 3], [15, 19, 23], shape: [3])
        expectValues(y[.ellipsis], y.doubles, shape: [2, 3, 4])
        expectValues(y[.ellipsis, .range(-1, nil)], [3, 7, 11, 15, 19, 23], shape: [2, 3, 1])
        expectValues(y.index([.index(0), .remainingAxes, .strided(nil, nil, step: 3)]), [0, 3, 4, 7, 8, 11], shape: [3, 2])
    }

    @Test func indexingOtherDTypes() {
        let ids = Tensor([10, 20, 30, 40, 50, 60] as [Int64], shape: [2, 3])
        #expect(ids[1].toArray(as: Int64.self) == [40, 50, 60])
        #expect(ids[.all, 1...].toArray(as: Int64.self) == [20, 30, 50, 60])
        let flags = Tensor([true, false, true, true])
        #expect(flags[.range(0, nil, step: 2)].toArray(as: Bool.self) == [true, true])
        let half = Tensor([1, 2, 3] as [Float16])
        #expect(half[1...].floats == [2, 3])
    }

    @Test func gather() {
        let t = Tensor([[1, 2], [3, 4]] as [[Float]])
        let index = Tensor([[0, 0], [1, 0]] as [[Int64]])
        expectValues(t.gather(axis: 1, index: index), [1, 1, 4, 3], shape: [2, 2])
        expectValues(t.gather(axis: 0, index: Tensor([[1, 0]] as [[Int64]])), [3, 2], shape: [1, 2])
        // Picking one label per row, int32 indices, negative index counts from the end.
        let logits = Tensor.arange(0, 12).reshaped([3, 4])
        let labels = Tensor([3, 0, -1] as [Int32]).reshaped([3, 1])
        expectValues(logits.gather(axis: 1, index: labels), [3, 4, 11], shape: [3, 1])
        // The middle axis of a 3-D tensor.
        let picks = Tensor([2, 0, 1, 1, 0, 2, 2, 2] as [Int64], shape: [2, 1, 4])
        expectValues(y.gather(axis: 1, index: picks), [8, 1, 6, 7, 12, 21, 22, 23], shape: [2, 1, 4])
        // Gathering integers.
        let ints = Tensor([[5, 6, 7]] as [[Int64]])
        #expect(ints.gather(axis: 1, index: Tensor([[2, 2, 0]] as [[Int64]])).toArray(as: Int64.self) == [7, 7, 5])
    }

    @Test func scatterAdd() {
        let ids = Tensor([[0, 1, 0, 3]] as [[Int64]])
        let counts = Tensor.zeros([1, 5]).scatterAdd(axis: 1, index: ids, source: Tensor([[1, 2, 3, 4]] as [[Float]]))
        expectValues(counts, [4, 2, 0, 4, 0], shape: [1, 5])
        // Adds to the existing values, along axis 0.
        let base = Tensor.ones([3, 2], dtype: .float64)
        let index = Tensor([[2, 0], [2, 2]] as [[Int64]])
        let source = Tensor([[10, 20], [30, 40]] as [[Double]])
        expectValues(base.scatterAdd(axis: 0, index: index, source: source), [1, 21, 1, 1, 41, 41], shape: [3, 2])
        // scatterAdd undoes gather's selection: summing gathered rows back.
        let g = Tensor.zeros([2, 3]).scatterAdd(axis: 1, index: Tensor([[2, 2], [1, 0]] as [[Int32]]), source: Tensor.ones([2, 2]))
        expectValues(g, [0, 0, 2, 1, 1, 0], shape: [2, 3])
    }

    @Test func indexSelect() {
        expectValues(x.indexSelect(axis: 0, indices: Tensor([2, 0, 2] as [Int64])), [10, 11, 12, 13, 14, 0, 1, 2, 3, 4, 10, 11, 12, 13, 14], shape: [3, 5])
        expectValues(x.indexSelect(axis: 1, indices: Tensor([4, -5] as [Int32])), [4, 0, 9, 5, 14, 10, 19, 15], shape: [4, 2])
        expectValues(y.indexSelect(axis: 2, indices: Tensor([3] as [Int64])), [3, 7, 11, 15, 19, 23], shape: [2, 3, 1])
        #expect(x.indexSelect(axis: 0, indices: Tensor([] as [Int64])).shape == [0, 5])
    }

    @Test func maskedAndFancyIndexing() {
        let v = Tensor([[3, -1, 4], [-1, 5, -9]] as [[Float]])
        expectValues(v.masked(v .> 0), [3, 4, 5], shape: [3])
        expectValues(v.masked(v .< -5), [-9], shape: [1])
        #expect(v.masked(v .> 100).shape == [0])

        let table = Tensor.arange(0, 12).reshaped([4, 3])   // rows [0 1 2] [3 4 5] [6 7 8] [9 10 11]
        let ids = Tensor([[0, 3], [1, 1]] as [[Int64]])
        expectValues(table[indices: ids], [0, 1, 2, 9, 10, 11, 3, 4, 5, 3, 4, 5], shape: [2, 2, 3])
        expectValues(table[indices: Tensor([2] as [Int32])], [6, 7, 8], shape: [1, 3])
        expectValues(Tensor([5, 6, 7] as [Float])[indices: Tensor([[2, 0]] as [[Int64]])], [7, 5], shape: [1, 2])
    }

    @Test func concatenatedStackedSplit() {
        let a = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])
        let b = Tensor([[7, 8, 9]] as [[Float]])
        expectValues(Tensor.concatenated([a, b], axis: 0), [1, 2, 3, 4, 5, 6, 7, 8, 9], shape: [3, 3])
        let c = Tensor([[10], [20]] as [[Float]])
        expectValues(Tensor.concatenated([a, c, a], axis: 1), [1, 2, 3, 10, 1, 2, 3, 4, 5, 6, 20, 4, 5, 6], shape: [2, 7])
        expectValues(Tensor.concatenated([a, c], axis: -1), [1, 2, 3, 10, 4, 5, 6, 20], shape: [2, 4])
        expectValues(Tensor.concatenated([a]), a.doubles, shape: [2, 3])
        let ints = Tensor.concatenated([Tensor([1, 2] as [Int64]), Tensor([3] as [Int64])])
        #expect(ints.dtype == .int64 && ints.toArray(as: Int64.self) == [1, 2, 3])

        let p = Tensor([1, 2, 3] as [Float]), q = Tensor([4, 5, 6] as [Float])
        expectValues(Tensor.stacked([p, q]), [1, 2, 3, 4, 5, 6], shape: [2, 3])
        expectValues(Tensor.stacked([p, q], axis: 1), [1, 4, 2, 5, 3, 6], shape: [3, 2])
        expectValues(Tensor.stacked([p, q], axis: -1), [1, 4, 2, 5, 3, 6], shape: [3, 2])
        expectValues(Tensor.stacked([a, a * 2], axis: 1), [1, 2, 3, 2, 4, 6, 4, 5, 6, 8, 10, 12], shape: [2, 2, 3])

        let parts = x.split(sizes: [1, 3], axis: 0)
        #expect(parts.count == 2)
        expectValues(parts[0], [0, 1, 2, 3, 4], shape: [1, 5])
        expectValues(parts[1], Array(5..<20).map(Double.init), shape: [3, 5])
        let columns = x.split(sizes: [2, 0, 3], axis: -1)
        expectValues(columns[0], [0, 1, 5, 6, 10, 11, 15, 16], shape: [4, 2])
        #expect(columns[1].shape == [4, 0])
        expectValues(columns[2], [2, 3, 4, 7, 8, 9, 12, 13, 14, 17, 18, 19], shape: [4, 3])
        let thirds = y.split(count: 3, axis: 1)
        #expect(thirds.map(\.shape) == [[2, 1, 4], [2, 1, 4], [2, 1, 4]])
        expectValues(thirds[1], [4, 5, 6, 7, 16, 17, 18, 19])
        // Splitting and concatenating again gives the original.
        expectValues(Tensor.concatenated(y.split(count: 2, axis: 2), axis: 2), y.doubles, shape: [2, 3, 4])
    }

    @Test func padded() {
        let a = Tensor([[1, 2], [3, 4]] as [[Float]])
        expectValues(a.padded([(1, 0), (0, 2)]), [0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0], shape: [3, 4])
        expectValues(a.padded([(0, 0), (1, 1)], value: -1), [-1, 1, 2, -1, -1, 3, 4, -1], shape: [2, 4])
        expectValues(a.padded([(0, 1)], value: 9), [1, 2, 3, 4, 9, 9], shape: [3, 2])   // missing pairs mean no padding
        expectValues(a.padded([]), a.doubles, shape: [2, 2])
        let images = Tensor.ones([1, 1, 2, 2])
        let framed = images.padded([(0, 0), (0, 0), (1, 1), (1, 1)])
        #expect(framed.shape == [1, 1, 4, 4])
        expectValues(framed, [0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0])
        #expect(Tensor([1, 2] as [Int64]).padded([(2, 1)]).toArray(as: Int64.self) == [0, 0, 1, 2, 0])
    }

    @Test func reshapeAndFlatten() {
        let t = Tensor.arange(0, 6)
        expectValues(t.reshaped([2, -1]), [0, 1, 2, 3, 4, 5], shape: [2, 3])
        #expect(t.reshaped([-1, 2]).shape == [3, 2])
        #expect(t.reshaped(3, 2).shape == [3, 2])
        #expect(t.reshaped([1, -1, 1]).shape == [1, 6, 1])
        #expect(t.reshaped(Shape([6])) === t)
        #expect(y.flattened().shape == [24])
        #expect(y.flattened(from: 1).shape == [2, 12])
        #expect(y.flattened(from: 0, through: 1).shape == [6, 4])
        expectValues(y.flattened(from: 1), y.doubles)
        #expect(Tensor(scalar: 3 as Float).flattened().shape == [1])
    }

    @Test func permuteAndTranspose() {
        expectValues(x.transposed(), (0..<5).flatMap { j in (0..<4).map { i in Double(5 * i + j) } }, shape: [5, 4])
        // permuted([2, 0, 1]): out[k, i, j] = y[i, j, k].
        let p = y.permuted([2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        var expected: [Double] = []
        for k in 0..<4 { for i in 0..<2 { for j in 0..<3 { expected.append(Double(12 * i + 4 * j + k)) } } }
        expectValues(p, expected)
        // transposed(0, 1) on three axes: out[j, i, k] = y[i, j, k].
        let t = y.transposed(0, 1)
        #expect(t.shape == [3, 2, 4])
        expected = []
        for j in 0..<3 { for i in 0..<2 { for k in 0..<4 { expected.append(Double(12 * i + 4 * j + k)) } } }
        expectValues(t, expected)
        // Negative axes, the inverse permutation, and other dtypes.
        expectValues(y.permuted(-1, 0, 1), p.doubles, shape: [4, 2, 3])
        expectValues(p.permuted([1, 2, 0]), y.doubles, shape: [2, 3, 4])
        #expect(y.permuted(0, 1, 2) === y)
        let ints = Tensor([1, 2, 3, 4, 5, 6] as [Int32], shape: [2, 3])
        #expect(ints.transposed().toArray(as: Int32.self) == [1, 4, 2, 5, 3, 6])
        let half = Tensor([1, 2, 3, 4] as [Float16], shape: [2, 2])
        #expect(half.transposed().floats == [1, 3, 2, 4])
        let bools = Tensor([true, false, false, false], shape: [2, 2])
        #expect(bools.transposed().toArray(as: Bool.self) == [true, false, false, false])
        // A large permutation (the parallel path) against a plain loop.
        let big = Tensor.arange(0, 60_000).reshaped([40, 30, 50])
        let bp = big.permuted([1, 2, 0]).floats
        var mismatches = 0
        for a in 0..<30 { for b in 0..<50 { for c in 0..<40 where bp[(a * 50 + b) * 40 + c] != Float((c * 30 + a) * 50 + b) { mismatches += 1 } } }
        #expect(mismatches == 0)
    }

    @Test func squeezeAndExpand() {
        let t = Tensor.zeros([3, 1, 4, 1])
        #expect(t.squeezed().shape == [3, 4])
        #expect(t.squeezed(axis: 1).shape == [3, 4, 1])
        #expect(t.squeezed(axis: -1).shape == [3, 1, 4])
        #expect(Tensor.zeros([1, 1]).squeezed().shape == [])
        #expect(Tensor.zeros([3, 4]).expanded(axis: 0).shape == [1, 3, 4])
        #expect(Tensor.zeros([3, 4]).expanded(axis: 1).shape == [3, 1, 4])
        #expect(Tensor.zeros([3, 4]).expanded(axis: 2).shape == [3, 4, 1])
        #expect(Tensor.zeros([3, 4]).expanded(axis: -1).shape == [3, 4, 1])
        #expect(Tensor.zeros([3, 4]).expanded(axis: -3).shape == [1, 3, 4])
        expectValues(x.expanded(axis: 1), x.doubles, shape: [4, 1, 5])
    }

    @Test func shapeBasics() {
        let s: Shape = [2, 3, 4]
        #expect(s.rank == 3 && s.elementCount == 24 && s.strides == [12, 4, 1])
        #expect(s.description == "[2, 3, 4]")
        #expect(s.axis(-1) == 2 && s.axis(0) == 0)
        #expect(Shape([]).elementCount == 1 && Shape([]).strides == [])
        #expect(broadcastShapes([2, 1, 3], [4, 1], op: "test") == [2, 4, 3])
        #expect(broadcastShapes([], [5], op: "test") == [5])
        #expect(Array(s) == [2, 3, 4])
    }
}
