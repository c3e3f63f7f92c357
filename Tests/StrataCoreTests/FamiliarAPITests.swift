import StrataCore
import Testing
import _StrataTestSupport

// What a PyTorch user types first: literal dtypes, mixed-dtype arithmetic with promotion, sums of
// comparisons, scalars of any numeric type, in-place parameter updates and familiar names.
@Suite("Familiar API (PyTorch habits)")
struct FamiliarAPITests {
    @Test("floating literals make float32 tensors, integer literals int64, typed arrays keep their type")
    func literalDTypes() {
        #expect(Tensor([[1.5, 2], [3, 4]]).dtype == .float32)
        #expect(Tensor([[1.5, 2], [3, 4]]).shape == [2, 2])
        #expect(Tensor([0.5, 1, 2]).dtype == .float32)
        #expect(Tensor([1, 2, 3]).dtype == .int64)
        #expect(Tensor([[1, 2], [3, 4]]).dtype == .int64)
        let doubles: [Double] = [1, 2]
        #expect(Tensor(doubles).dtype == .float64)
        #expect(Tensor([1, 2] as [Int32]).dtype == .int32)
        #expect(Tensor([0.5, 1], shape: [2, 1]).shape == [2, 1])
    }

    @Test("mixed dtypes promote as PyTorch does, with the values of the wider type")
    func promotion() {
        let f32 = Tensor([1.5, 2.5]), f64 = Tensor([0.25, 0.5] as [Double]), i64 = Tensor([3, 4])
        let sum = f32 + f64
        #expect(sum.dtype == .float64 && sum.doubles == [1.75, 3.0])
        #expect((i64 + f32).dtype == .float32 && (i64 + f32).floats == [4.5, 6.5])
        #expect((i64 * i64).dtype == .int64 && (i64 * i64).toArray(as: Int64.self) == [9, 16])
        #expect((i64 / Tensor([2, 8])).dtype == .float32 && (i64 / Tensor([2, 8])).floats == [1.5, 0.5])   // true division
        #expect((Tensor([true, false]) + Tensor([true, true])).toArray(as: Int64.self) == [2, 1])
        #expect((f32 .> f64).toArray(as: Bool.self) == [true, true])
        #expect((i64 .== Tensor([3.0, 4.5])).toArray(as: Bool.self) == [true, false])
    }

    @Test("gradients flow through a promotion (cast is differentiable between float types)")
    func promotionGradient() {
        // f(a, b) = sum((float32(a) * b)^2) with a cast down and back up: checked against central
        // differences at float32 resolution.
        let error = gradientCheck([testTensor([2, 3], seed: 1), testTensor([2, 3], seed: 2)], epsilon: 1e-2) { x in
            let a32 = x[0].cast(to: .float32)
            return (a32 * x[1]).square()          // float32 * float64 -> float64
        }
        #expect(error < 1e-3, "\(error)")
        let a = Tensor([1, 2] as [Float], requiresGrad: true), b = Tensor([3, 4] as [Double], requiresGrad: true)
        (a * b).sum().backward()
        #expect(a.grad?.dtype == .float32 && a.grad?.floats == [3, 4])
        #expect(b.grad?.dtype == .float64 && b.grad?.doubles == [1, 2])
    }

    @Test("sums of comparisons count (int64); means of them are fractions (float32)")
    func boolReductions() {
        let prediction = Tensor([1, 2, 3, 4]), target = Tensor([1, 0, 3, 4])
        let hits = (prediction .== target).sum()
        #expect(hits.dtype == .int64 && hits.item() == 3)
        let accuracy = (prediction .== target).mean()
        #expect(accuracy.dtype == .float32 && accuracy.item() == 0.75)
        #expect(Tensor([[1, 2], [3, 4]]).sum(axis: 0).toArray(as: Int64.self) == [4, 6])
    }

    @Test("Float, Int and Double scalars combine with tensors; integer tensors stay integral for whole scalars")
    func scalars() {
        let x = Tensor([1, 2] as [Float])
        let half: Float = 0.5, two = 2
        #expect((x * half).floats == [0.5, 1])
        #expect((x + two).floats == [3, 4])
        #expect((two - x).floats == [1, 0])
        #expect((Tensor([1, 2]) + 1).toArray(as: Int64.self) == [2, 3])
        #expect((Tensor([1, 2]) * 0.5).dtype == .float32)
    }

    @Test("w -= lr * w.grad! updates the parameter in place and keeps it a trainable leaf")
    func inPlaceParameterUpdate() {
        var w = Tensor([1, 2] as [Float], requiresGrad: true)
        let parameter = w                                   // e.g. held by a model
        (w * w).sum().backward()                            // grad = 2w = [2, 4]
        w -= 0.5 * w.grad!
        #expect(w === parameter)
        #expect(parameter.floats == [0, 0])
        #expect(parameter.isLeaf && parameter.requiresGrad)
        // A tensor produced by an operation is rebound, as before (autograd keeps its history).
        var y = parameter * 2
        let before = y
        y += Tensor([1, 1] as [Float])
        #expect(y !== before && before.floats == [0, 0] && y.floats == [1, 1])
    }

    @Test("randn and rand exist under PyTorch's names")
    func familiarNames() {
        GlobalRandom.isolated(seed: 3) {
            let a = Tensor.randn([1000])
            #expect(a.dtype == .float32 && Swift.abs(a.mean().item()) < 0.15)
            let u = Tensor.rand([1000])
            #expect(u.floats.allSatisfy { $0 >= 0 && $0 < 1 })
        }
    }
}
