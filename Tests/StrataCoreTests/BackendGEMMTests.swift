import Testing
import StrataCore
import _StrataTestSupport

/// The GEMM requirements of the backend, called directly through `Device.cpu.backend`: each must
/// give the op's bits, and a written-out result where cheap.
@Suite("Backend: GEMM")
struct BackendGEMMTests {
    let backend = Device.cpu.backend

    @Test("batched matmul with broadcast batch axes and both transposes")
    func batchedMatmul() {
        // op(a) [2, 1, 3, 4] (stored [2, 1, 4, 3]), op(b) [3, 4, 5] (stored [3, 5, 4]) -> [2, 3, 3, 5].
        let a = randomTensor([2, 1, 4, 3], seed: 1, dtype: .float64), b = randomTensor([3, 5, 4], seed: 2, dtype: .float64)
        let out = Tensor.empty([2, 3, 3, 5], dtype: .float64)
        backend.matmul(a, b, transposeA: true, transposeB: true, into: out)
        #expect(out.doubles == Tensor.matmul(a, b, transposeA: true, transposeB: true).doubles)
        let av = a.doubles, bv = b.doubles
        var expected: [Double] = []
        for i in 0..<2 {
            for j in 0..<3 {
                let ai = Array(av[(i * 12)..<(i * 12 + 12)]), bj = Array(bv[(j * 20)..<(j * 20 + 20)])
                expected += Naive.matmul(ai, bj, m: 3, k: 4, n: 5, transposeA: true, transposeB: true)
            }
        }
        expectClose(out.doubles, expected, tolerance: 1e-12)
    }

    /// A few rows times a transposed weight (the products of a prompt through a linear layer,
    /// which on AVX-512 CPUs read the weight in place) against the float64 product: 1 to 16
    /// rows, widths and depths on and off the kernel's 4-column and 16-lane steps, with the
    /// bias seeding the output (beta 1) and without (beta 0).
    @Test("a few rows times a transposed weight, with and without a seeded output")
    func smallRows() {
        var g = RandomGenerator(seed: 29)
        for (m, n, k) in [(1, 50, 768), (2, 16, 16), (5, 37, 33), (7, 130, 768), (16, 64, 100), (16, 21, 3072)] {
            let x = Tensor.normal([m, k], generator: &g), w = Tensor.normal([n, k], generator: &g), b = Tensor.normal([n], generator: &g)
            let want = Naive.matmul(x.floats.map(Double.init), w.floats.map(Double.init), m: m, k: k, n: n, transposeB: true)
            let product = Tensor.matmul(x, w, transposeB: true), biased = Tensor.linear(x, weight: w, bias: b)
            for (i, value) in want.enumerated() {
                let tolerance = 1e-5 * Double(k).squareRoot() * Swift.max(1, Swift.abs(value))
                #expect(Swift.abs(Double(product.floats[i]) - value) <= tolerance, "\(m)x\(n)x\(k) at \(i)")
                #expect(Swift.abs(Double(biased.floats[i]) - value - Double(b.floats[i % n])) <= tolerance, "\(m)x\(n)x\(k) at \(i) with bias")
            }
        }
    }

    @Test("linear: the bias seeds the product")
    func linear() {
        let x = randomTensor([3, 4], seed: 3), w = randomTensor([5, 4], seed: 4), bias = randomTensor([5], seed: 5)
        let out = Tensor.empty([3, 5])
        backend.linear(x, weight: w, bias: bias, residual: nil, into: out)
        #expect(out.floats == Tensor.linear(x, weight: w, bias: bias).floats)
        let product = Naive.matmul(x.doubles, w.doubles, m: 3, k: 4, n: 5, transposeB: true)
        let b = bias.doubles
        var expected: [Double] = []
        for (i, v) in product.enumerated() { expected.append(v + b[i % 5]) }
        expectClose(out.doubles, expected, tolerance: 1e-6)
        // A residual is added to the seed (rows split across the threads).
        let x2 = randomTensor([300, 4], seed: 8), skip = randomTensor([300, 5], seed: 9), out2 = Tensor.empty([300, 5])
        backend.linear(x2, weight: w, bias: bias, residual: skip, into: out2)
        let product2 = Naive.matmul(x2.doubles, w.doubles, m: 300, k: 4, n: 5, transposeB: true), s = skip.doubles
        expectClose(out2.doubles, product2.indices.map { product2[$0] + b[$0 % 5] + s[$0] }, tolerance: 1e-6)
    }

    /// A weight packed once for the AVX2 kernel gives the BLAS product to float32 rounding, with
    /// the bias, a residual, both or neither seeding it: rows not a multiple of the kernel's 6,
    /// outputs not a multiple of its 16-wide panels, one row, and an empty batch; and 600 rows
    /// into 10 outputs, one panel, whose rows are split across the cores instead.
    @Test("linear with a prepacked weight")
    func prepackedLinear() throws {
        var g = RandomGenerator(seed: 17)
        for (rows, inputs, outputs) in [(13, 37, 45), (1, 384, 64), (32, 16, 16), (0, 8, 5), (600, 128, 10)] {
            let w = Tensor.normal([outputs, inputs], generator: &g), x = Tensor.normal([rows, inputs], generator: &g)
            let bias = Tensor.normal([outputs], generator: &g), residual = Tensor.normal([rows, outputs], generator: &g)
            guard let packed = PrepackedWeight(w) else { return }   // no AVX2: nothing to compare
            #expect(packed.outputs == outputs && packed.inputs == inputs)
            for (b, r) in [(Optional(bias), Optional(residual)), (bias, nil), (nil, residual), (nil, nil)] {
                let got = withoutGradients { Tensor.linear(x, prepacked: packed, bias: b, adding: r) }
                var want = Tensor.matmul(x, w, transposeB: true)
                if let b { want = want + b }
                if let r { want = want + r }
                #expect(got.shape == want.shape)
                for (p, q) in zip(got.floats, want.floats) { #expect(abs(p - q) <= 1e-4 * Swift.max(1, abs(q)), "\(rows)x\(inputs)x\(outputs)") }
            }
        }
    }

    @Test("packed matrices: products and dequantised rows")
    func packed() throws {
        let weight = randomTensor([6, 64], seed: 6), x = randomTensor([3, 64], seed: 7)
        for scheme in [PackedScheme.int8, .int4(groupSize: 32)] {
            let w = try PackedMatrix.quantize(weight, scheme: scheme)
            for activations in PackedMatrix.Activations.allCases {
                let out = Tensor.empty([3, 6])
                backend.matmul(x, packed: w, activations: activations, kernels: .default, into: out)
                #expect(out.floats == w.matmul(x, activations: activations).floats, "\(scheme) \(activations)")
            }
            // Float activations multiply the expanded codes: x · dequantized(W)ᵀ.
            let out = Tensor.empty([3, 6])
            backend.matmul(x, packed: w, activations: .float, kernels: .scalar, into: out)
            expectClose(out.doubles, Naive.matmul(x.doubles, w.dequantized().doubles, m: 3, k: 64, n: 6, transposeB: true), tolerance: 1e-5)

            let rows = Tensor.empty([2, 64])
            backend.dequantize(w, rows: [4, 1], into: rows)
            var row4 = [Float](repeating: 0, count: 64), row1 = row4
            row4.withUnsafeMutableBufferPointer { w.dequantizeRow(4, into: $0.baseAddress!) }
            row1.withUnsafeMutableBufferPointer { w.dequantizeRow(1, into: $0.baseAddress!) }
            #expect(rows.floats == row4 + row1)
            #expect(rows.floats == w.gatherRows([4, 1]).floats)
        }
    }

    @Test("GGML matrices: quantise, dequantise and multiply")
    func quantized() throws {
        let weight = randomTensor([4, 64], seed: 8), x = randomTensor([2, 64], seed: 9)
        // F32 stores the floats' own bits.
        var bytes = [UInt8](repeating: 0, count: 4 * 64 * 4)
        bytes.withUnsafeMutableBytes { backend.quantize(weight, to: .f32, into: $0) }
        var bits: [UInt8] = []
        for v in weight.floats {
            for byte in 0..<4 { bits.append(UInt8(truncatingIfNeeded: v.bitPattern >> UInt32(8 * byte))) }
        }
        #expect(bytes == bits)

        let w = try QuantizedMatrix.quantize(weight, to: .q8_0)
        var q8 = [UInt8](repeating: 0, count: w.byteCount)
        q8.withUnsafeMutableBytes { backend.quantize(weight, to: .q8_0, into: $0) }
        #expect(q8 == w.withUnsafeBytes { Array($0) })

        let values = Tensor.empty([4, 64])
        backend.dequantize(w, kernels: .scalar, into: values)
        #expect(values.floats == w.dequantized().floats)
        #expect(values.doubles.indices.allSatisfy { Swift.abs(values.doubles[$0] - weight.doubles[$0]) <= 1.0 / 127 })

        let out = Tensor.empty([2, 4])
        backend.matmul(x, quantized: w, kernels: .default, into: out)
        #expect(out.floats == w.matmul(x).floats)
        expectClose(out.doubles, Naive.matmul(x.doubles, values.doubles, m: 2, k: 64, n: 4, transposeB: true), tolerance: 1e-3)
    }
}
