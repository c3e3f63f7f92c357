import Foundation
import Testing
import StrataCore
import _StrataTestSupport

/// The device seam: tensors carry their device, and the backend's memory, elementwise and layout
/// kernels, called directly, give what the ops give and what a written-out loop gives.
@Suite("Backend: device, memory, elementwise and layout kernels")
struct BackendMemoryLayoutTests {
    let backend = Device.cpu.backend

    @Test func tensorsLiveOnTheCPUAndMovingThereIsANoOp() {
        let x = Tensor([1, 2, 3] as [Float], requiresGrad: true)
        #expect(x.device == .cpu)
        #expect(backend === CPUBackend.shared)
        #expect(backend.device == .cpu)
        #expect(x.to(.cpu) === x)
        #expect((x * 2).device == .cpu && x.sum().device == .cpu)
        #expect("\(Device.cpu)" == "cpu")
    }

    @Test func memoryFillConvertAndHostCopies() {
        let t = Tensor.empty([5], dtype: .int32)
        backend.fill(t, with: 7)
        #expect(t.toArray(as: Int32.self) == [7, 7, 7, 7, 7])
        let f = Tensor.empty([5], dtype: .float64)
        backend.convert(t, into: f)
        #expect(f.doubles == [7, 7, 7, 7, 7])
        let values: [Float] = [1.5, -2, 3.25]
        let y = Tensor.empty([3])
        values.withUnsafeBytes { backend.copyFromHost($0, into: y) }
        var back = [Float](repeating: 0, count: 3)
        back.withUnsafeMutableBytes { backend.copyToHost(y, into: $0) }
        #expect(back == values)
        let z = Tensor.empty([3])
        backend.copy(y, into: z)
        #expect(z.floats == values)
        let zeros = backend.allocate(byteCount: 64, zeroed: true)
        #expect(zeros.byteCount == 64 && zeros.device == .cpu)
    }

    @Test func unaryKernelAndItsBackwardMatchTheOp() {
        let x = Tensor([-1.5, -0.2, 0, 0.7, 2.5] as [Float], requiresGrad: true)
        let y = Tensor.empty(x.shape)
        backend.unary(.geluTanh, x, into: y)
        let op = x.gelu()
        #expect(y.floats == op.floats)
        op.sum().backward()
        let dx = Tensor.empty(x.shape)
        backend.unaryBackward(.geluTanh, gradient: Tensor.ones(x.shape), input: x, output: y, into: dx)
        #expect(dx.floats == x.grad!.floats)
        // A written-out reference for one function.
        let e = Tensor.empty(x.shape)
        backend.unary(.affine(scale: 2, shift: -1), x, into: e)
        #expect(e.floats == x.floats.map { 2 * $0 - 1 })
    }

    @Test func binaryCompareLogicalAndSelectBroadcast() {
        let a = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]]), b = Tensor([10, 20, 30] as [Float])
        let out = Tensor.empty([2, 3])
        backend.binary(.subtract, a, b, into: out)
        #expect(out.floats == [-9, -18, -27, -6, -15, -24])
        let mask = Tensor.empty([2, 3], dtype: .bool)
        backend.compare(.greater, a, Tensor([3] as [Float]), into: mask)
        #expect(mask.toArray(as: Bool.self) == [false, false, false, true, true, true])
        let not = Tensor.empty([2, 3], dtype: .bool)
        backend.logical(.not, mask, mask, into: not)
        #expect(not.toArray(as: Bool.self) == [true, true, true, false, false, false])
        let or = Tensor.empty([2, 3], dtype: .bool)
        backend.logical(.or, mask, mask, into: or)   // x || x is x, not !x
        #expect(or.toArray(as: Bool.self) == mask.toArray(as: Bool.self))
        let chosen = Tensor.empty([2, 3])
        backend.select(mask, a, Tensor.zeros([2, 3]), into: chosen)
        #expect(chosen.floats == [0, 0, 0, 4, 5, 6])
    }

    @Test func permuteAndSlicesMatchWrittenOutLoops() {
        let x = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        let p = Tensor.empty([4, 2, 3])
        backend.permute(x, order: [2, 0, 1], into: p)
        let v = x.floats
        var expected: [Float] = []
        for k in 0..<4 { for i in 0..<2 { for j in 0..<3 { expected.append(v[i * 12 + j * 4 + k]) } } }
        #expect(p.floats == expected)
        #expect(p.floats == x.permuted(2, 0, 1).floats)

        // Every other position of axis 1 of [2, 3, 4] viewed as [outer 2, axis 3, inner 4].
        let part = Tensor.empty([2, 2, 4])
        backend.copySlice(of: x, outer: 2, axisLength: 3, inner: 4, start: 0, step: 2, taken: 2, into: part)
        #expect(part.floats == x.slice(axis: 1, start: 0, step: 2).floats)
        let full = Tensor.zeros([2, 3, 4])
        backend.writeSlice(part, outer: 2, axisLength: 3, inner: 4, start: 0, step: 2, taken: 2, into: full)
        var written = [Float](repeating: 0, count: 24)
        for i in 0..<2 { for j in [0, 2] { for k in 0..<4 {
            let at: Int = i * 12 + j * 4 + k
            written[at] = v[at]
        } } }
        #expect(full.floats == written)
    }

    @Test func gathersAndScattersMatchWrittenOutLoops() {
        let table = Tensor((0..<12).map(Float.init), shape: [4, 3])
        let rows = Tensor.empty([3, 3])
        backend.indexSelect(table, outer: 1, axisLength: 4, inner: 3, indices: [3, 0, 3], into: rows)
        #expect(rows.floats == [9, 10, 11, 0, 1, 2, 9, 10, 11])
        let sums = Tensor.zeros([4, 3])
        backend.indexAdd(rows, outer: 1, axisLength: 4, inner: 3, indices: [3, 0, 3], into: sums)
        #expect(sums.floats == [0, 1, 2, 0, 0, 0, 0, 0, 0, 18, 20, 22])

        // gather along axis 1 of [4, 3]: out[o, j] = table[o, index[o, j]].
        let index = [2, 0, 1, 1, 0, 0, 2, 2]
        let picked = Tensor.empty([4, 2])
        backend.gather(table, outer: 4, axisLength: 3, inner: 1, taken: 2, index: index, into: picked)
        let t = table.floats
        let expectedPicks: [Float] = (0..<8).map { (k: Int) -> Float in t[(k / 2) * 3 + index[k]] }
        #expect(picked.floats == expectedPicks)
        let back = Tensor.zeros([4, 3])
        backend.scatterAdd(picked, outer: 4, axisLength: 3, inner: 1, taken: 2, index: index, into: back)
        var expected = [Float](repeating: 0, count: 12)
        let picks = picked.floats
        for k in 0..<8 { expected[(k / 2) * 3 + index[k]] += picks[k] }
        #expect(back.floats == expected)
    }
}
