import Testing
import StrataCore
import _StrataTestSupport

@Suite("Creation, dtypes and casting")
struct CreationTests {
    @Test func zerosOnesAndFull() {
        let z = Tensor.zeros([2, 3])
        #expect(z.shape == [2, 3])
        #expect(z.dtype == .float32)
        #expect(z.count == 6 && z.rank == 2)
        #expect(z.floats == [0, 0, 0, 0, 0, 0])

        let zi = Tensor.zeros([4], dtype: .int64)
        #expect(zi.dtype == .int64)
        #expect(zi.toArray(as: Int64.self) == [0, 0, 0, 0])

        let o = Tensor.ones([3], dtype: .float64)
        #expect(o.dtype == .float64)
        #expect(o.doubles == [1, 1, 1])

        let f = Tensor.full([2, 2], value: 7)
        #expect(f.floats == [7, 7, 7, 7])
        let fi = Tensor.full([3], value: -2, dtype: .int32)
        #expect(fi.toArray(as: Int32.self) == [-2, -2, -2])
        let fb = Tensor.full([2], value: 1, dtype: .bool)
        #expect(fb.toArray(as: Bool.self) == [true, true])

        let like = Tensor.zeros(like: Tensor.ones([2, 5], dtype: .float64))
        #expect(like.shape == [2, 5] && like.dtype == .float64 && like.doubles.allSatisfy { $0 == 0 })

        // A scalar (rank 0) holds one element; an empty axis holds none.
        let s = Tensor.full([], value: 3.5)
        #expect(s.rank == 0 && s.count == 1 && s.item() == 3.5)
        #expect(Tensor.zeros([0, 3]).count == 0)
    }

    @Test func arange() {
        expectValues(Tensor.arange(0, 5), [0, 1, 2, 3, 4], shape: [5])
        #expect(Tensor.arange(0, 5).dtype == .float32)

        let stepped = Tensor.arange(0, 10, step: 3, dtype: .int64)
        #expect(stepped.dtype == .int64)
        #expect(stepped.toArray(as: Int64.self) == [0, 3, 6, 9])

        expectValues(Tensor.arange(1, 2, step: 0.25, dtype: .float64), [1, 1.25, 1.5, 1.75], shape: [4])
        expectValues(Tensor.arange(5, 0, step: -2), [5, 3, 1])
        expectValues(Tensor.arange(-3, 0, dtype: .int32), [-3, -2, -1])
        #expect(Tensor.arange(-3, 0, dtype: .int32).dtype == .int32)
        // The end is exclusive, and an empty or backwards range gives no elements.
        expectValues(Tensor.arange(0, 1, step: 0.5), [0, 0.5])
        #expect(Tensor.arange(3, 3).shape == [0])
        #expect(Tensor.arange(3, 1).shape == [0])
    }

    @Test func linspace() {
        expectValues(Tensor.linspace(0, 1, count: 5), [0, 0.25, 0.5, 0.75, 1], shape: [5])
        expectValues(Tensor.linspace(-1, 1, count: 3, dtype: .float64), [-1, 0, 1])
        expectValues(Tensor.linspace(2, 10, count: 5, dtype: .int64), [2, 4, 6, 8, 10])
        // The last value is exactly `end`, even where the steps do not add up exactly in floating point.
        #expect(Tensor.linspace(0, 0.3, count: 4, dtype: .float64).doubles.last == 0.3)
        expectValues(Tensor.linspace(5, 9, count: 1), [5])
        #expect(Tensor.linspace(0, 1, count: 0).shape == [0])
    }

    @Test func eye() {
        expectValues(Tensor.eye(3), [1, 0, 0, 0, 1, 0, 0, 0, 1], shape: [3, 3])
        expectValues(Tensor.eye(2, 3), [1, 0, 0, 0, 1, 0], shape: [2, 3])
        expectValues(Tensor.eye(3, 2, dtype: .int32), [1, 0, 0, 1, 0, 0], shape: [3, 2])
        #expect(Tensor.eye(3, 2, dtype: .int32).dtype == .int32)
    }

    @Test func initFromArraysAndRows() {
        let a = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        #expect(a.shape == [2, 3] && a.dtype == .float32)
        #expect(a.floats == [1, 2, 3, 4, 5, 6])

        let v = Tensor([1.5, -2.5] as [Double])
        #expect(v.shape == [2] && v.dtype == .float64)
        #expect(v.doubles == [1.5, -2.5])

        let m = Tensor([[1, 2], [3, 4], [5, 6]] as [[Double]])
        #expect(m.shape == [3, 2] && m.dtype == .float64)
        #expect(m.doubles == [1, 2, 3, 4, 5, 6])

        let i32 = Tensor([[1, -2, 3]] as [[Int32]])
        #expect(i32.shape == [1, 3] && i32.dtype == .int32)
        #expect(i32.toArray(as: Int32.self) == [1, -2, 3])

        let i64 = Tensor([Int64.max, -1] as [Int64])
        #expect(i64.dtype == .int64)
        #expect(i64.toArray(as: Int64.self) == [Int64.max, -1])

        let b = Tensor([true, false, true])
        #expect(b.dtype == .bool)
        #expect(b.toArray(as: Bool.self) == [true, false, true])
        #expect(b.floats == [1, 0, 1])

        let h = Tensor([0.5, 1024] as [Float16])
        #expect(h.dtype == .float16)
        #expect(h.floats == [0.5, 1024])

        let s = Tensor(scalar: 4.25 as Float)
        #expect(s.shape == [] && s.rank == 0 && s.item() == 4.25)

        let g = Tensor([1, 2] as [Float], requiresGrad: true)
        #expect(g.requiresGrad && g.isLeaf && g.grad == nil)
    }

    @Test func dtypeProperties() {
        let sizes: [DType: Int] = [.float32: 4, .float64: 8, .float16: 2, .int32: 4, .int64: 8, .bool: 1]
        for d in DType.allCases { #expect(d.byteSize == sizes[d]) }
        #expect(DType.allCases.filter(\.isFloatingPoint) == [.float32, .float64])
        #expect(DType.allCases.filter(\.isInteger) == [.int32, .int64])
        #expect(DType.float16.description == "float16")
        #expect(Float.dtype == .float32 && Double.dtype == .float64 && Float16.dtype == .float16)
        #expect(Int32.dtype == .int32 && Int64.dtype == .int64 && Bool.dtype == .bool)
    }

    @Test func float16RoundTrip() {
        // Values representable in float16 survive exactly; others round to the nearest half.
        let exact: [Float] = [0, 0.5, -2, 1024, 65504, 0x1p-14, -0.375]
        let back = Tensor(exact).cast(to: .float16).cast(to: .float32)
        #expect(back.dtype == .float32)
        #expect(back.floats == exact)

        let rounded = Tensor([0.1, 1 / 3, 2049] as [Float]).cast(to: .float16)
        #expect(rounded.dtype == .float16)
        #expect(rounded.floats == [0.0999755859375, 0.333251953125, 2048])
        // Beyond the float16 range the value overflows to infinity.
        #expect(Tensor([100_000] as [Float]).cast(to: .float16).floats == [.infinity])
        // float64 goes through the generic path.
        #expect(Tensor([0.1, -3.0] as [Double]).cast(to: .float16).doubles == [0.0999755859375, -3])
    }

    @Test func castsBetweenTypes() {
        let x = Tensor([-2.7, -0.5, 0, 0.5, 2.7] as [Float])
        #expect(x.cast(to: .int32).toArray(as: Int32.self) == [-2, 0, 0, 0, 2])   // truncation toward zero
        #expect(x.cast(to: .int64).toArray(as: Int64.self) == [-2, 0, 0, 0, 2])
        #expect(x.cast(to: .bool).toArray(as: Bool.self) == [true, true, false, true, true])
        #expect(x.cast(to: .float64).doubles == [Double(Float(-2.7)), -0.5, 0, 0.5, Double(Float(2.7))])
        #expect(x.cast(to: .float32) === x)   // casting to the same dtype is free
        #expect(Tensor([1, 0, 3] as [Int32]).cast(to: .bool).toArray(as: Bool.self) == [true, false, true])
        #expect(Tensor([true, false]).cast(to: .float64).doubles == [1, 0])
        #expect(Tensor([1.25, 2.5] as [Double]).toArray(as: Float.self) == [1.25, 2.5])
        #expect(Tensor([7, 8] as [Int64]).toArray(as: Int32.self) == [7, 8])
    }

    @Test func copyAndAssign() {
        let a = Tensor([1, 2, 3] as [Float])
        let c = a.copy()
        a.assign(Tensor([4, 5, 6] as [Float]))
        #expect(a.floats == [4, 5, 6])
        #expect(c.floats == [1, 2, 3])
        // assign converts the source to the destination dtype.
        a.assign(Tensor([7, 8, 9] as [Int64]))
        #expect(a.floats == [7, 8, 9] && a.dtype == .float32)
        // detached shares storage.
        let d = a.detached()
        a.assign(Tensor.zeros([3]))
        #expect(d.floats == [0, 0, 0])
    }
}

@Suite("Random generation")
struct RandomTests {
    @Test func sameSeedSameTensors() {
        var g1 = RandomGenerator(seed: 123), g2 = RandomGenerator(seed: 123)
        let a = Tensor.normal([50], generator: &g1), b = Tensor.normal([50], generator: &g2)
        #expect(a.floats == b.floats)
        let u1 = Tensor.uniform([3, 7], low: -2, high: 5, dtype: .float64, generator: &g1)
        let u2 = Tensor.uniform([3, 7], low: -2, high: 5, dtype: .float64, generator: &g2)
        #expect(u1.doubles == u2.doubles)
        let k1 = Tensor.bernoulli([40], p: 0.5, generator: &g1), k2 = Tensor.bernoulli([40], p: 0.5, generator: &g2)
        #expect(k1.toArray(as: Bool.self) == k2.toArray(as: Bool.self))
        // The generator advances: the next draw differs from the first.
        let next = Tensor.normal([50], generator: &g1)
        #expect(next.floats != a.floats)
    }

    @Test func differentSeedsDiffer() {
        var g1 = RandomGenerator(seed: 1), g2 = RandomGenerator(seed: 2)
        let a = Tensor.uniform([20], generator: &g1), b = Tensor.uniform([20], generator: &g2)
        #expect(zip(a.floats, b.floats).filter { $0 == $1 }.count == 0)
        var r1 = RandomGenerator(seed: 0), r2 = RandomGenerator(seed: 1)
        #expect(r1.next() != r2.next())
    }

    /// Pins the generator: any change of algorithm, seeding or conversion changes these numbers.
    @Test func pinnedUniformValues() {
        var rng = RandomGenerator(seed: 42)
        let u = Tensor.uniform([4], generator: &rng)
        #expect(u.floats == [0.08386297, 0.37898025, 0.6800434, 0.9246929])
        var raw = RandomGenerator(seed: 42)
        #expect(raw.nextUniform() == 0.08386297105988216)
        #expect(raw.nextUniform() == 0.3789802506626686)
    }

    @Test func normalMoments() {
        var rng = RandomGenerator(seed: 7)
        let v = Tensor.normal([100_000], dtype: .float64, generator: &rng).doubles
        let mean = v.reduce(0, +) / Double(v.count)
        let std = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)).squareRoot()
        #expect(Swift.abs(mean) < 0.015)        // standard error 0.003
        #expect(Swift.abs(std - 1) < 0.015)
        // Mean and std parameters shift and scale.
        var rng2 = RandomGenerator(seed: 8)
        let w = Tensor.normal([20_000], mean: 3, std: 0.5, dtype: .float64, generator: &rng2).doubles
        let m2 = w.reduce(0, +) / Double(w.count)
        let s2 = (w.map { ($0 - m2) * ($0 - m2) }.reduce(0, +) / Double(w.count)).squareRoot()
        #expect(Swift.abs(m2 - 3) < 0.02)
        #expect(Swift.abs(s2 - 0.5) < 0.02)
    }

    @Test func uniformRange() {
        var rng = RandomGenerator(seed: 3)
        let v = Tensor.uniform([50_000], low: -2, high: 3, dtype: .float64, generator: &rng).doubles
        #expect(v.allSatisfy { $0 >= -2 && $0 < 3 })
        #expect(Swift.abs(v.reduce(0, +) / Double(v.count) - 0.5) < 0.03)
        #expect(v.min()! < -1.99 && v.max()! > 2.99)
        let f = Tensor.uniform([10_000], generator: &rng).floats
        #expect(f.allSatisfy { $0 >= 0 && $0 <= 1 })
        for _ in 0..<1000 {
            let k = rng.nextInt(below: 7)
            #expect(k >= 0 && k < 7)
        }
    }

    @Test func bernoulliFrequency() {
        var rng = RandomGenerator(seed: 11)
        let b = Tensor.bernoulli([100_000], p: 0.3, generator: &rng)
        #expect(b.dtype == .bool)
        let frequency = Double(b.toArray(as: Bool.self).filter { $0 }.count) / 100_000
        #expect(Swift.abs(frequency - 0.3) < 0.01)
        let f = Tensor.bernoulli([1000], p: 0.5, dtype: .float32, generator: &rng)
        #expect(f.dtype == .float32 && f.floats.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(Tensor.bernoulli([100], p: 0, generator: &rng).toArray(as: Bool.self).allSatisfy { !$0 })
        #expect(Tensor.bernoulli([100], p: 1, generator: &rng).toArray(as: Bool.self).allSatisfy { $0 })
    }

    /// The only test that uses the global generator (keep it that way: tests run in parallel).
    @Test func manualSeedMakesGlobalDrawsRepeatable() {
        Tensor.manualSeed(2024)
        let a = Tensor.normal([8])
        Tensor.manualSeed(2024)
        let b = Tensor.normal([8])
        #expect(a.floats == b.floats)
        var g = RandomGenerator(seed: 2024)
        #expect(Tensor.normal([8], generator: &g).floats == a.floats)
        // fillNormal draws the same values in place, in element order.
        Tensor.manualSeed(2024)
        let drawn = Tensor.normal([8], mean: 1, std: 0.5)
        Tensor.manualSeed(2024)
        let filled = Tensor.zeros([2, 4])
        filled.fillNormal(mean: 1, std: 0.5)
        #expect(filled.shape == [2, 4] && filled.floats == drawn.floats && filled.floats != a.floats)
    }
}
