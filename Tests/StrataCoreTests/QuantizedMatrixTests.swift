import Foundation
import Testing
import StrataCore

/// Products and dequantisation of GGML-encoded matrices against gguf-py (Fixtures/quant_reference.json).
@Suite struct QuantizedMatrixTests {
    @Test(arguments: QuantFixture.allCases)
    func dequantisationIsBitIdenticalToGGUFPy(_ c: QuantFixture.Case) throws {
        let m = try c.matrix()
        let expected = c.dequantizedValues.map(\.bitPattern)
        for kernels in quantKernelSets {
            #expect(m.dequantized(kernels: kernels).floats.map(\.bitPattern) == expected, "\(c.type) \(kernels)")
            var row = [Float](repeating: .nan, count: c.columns)
            row.withUnsafeMutableBufferPointer { m.dequantizeRow(2, into: $0.baseAddress!, kernels: kernels) }
            #expect(row.map(\.bitPattern) == Array(expected[2 * c.columns..<3 * c.columns]), "\(c.type) \(kernels) row 2")
        }
    }

    @Test(arguments: QuantFixture.allCases)
    func productMatchesFloat64Reference(_ c: QuantFixture.Case) throws {
        let m = try c.matrix()
        let fixture = QuantFixture.shared
        let w = c.dequantizedValues
        let usesCodes = ![.f32, .f16, .bf16].contains(c.ggmlType)
        var worst = 0.0
        for tokens in [1, 3, 17] {
            let x = fixture.xValues(tokens: tokens)
            for kernels in quantKernelSets {
                let y = m.matmul(Tensor(x, shape: [tokens, c.columns]), kernels: kernels)
                #expect(y.shape == [tokens, c.rows])
                let got = y.floats
                for t in 0..<tokens {
                    for r in 0..<c.rows {
                        let want = c.product[t * c.rows + r]
                        let xs = x[t * c.columns..<(t + 1) * c.columns], ws = w[r * c.columns..<(r + 1) * c.columns]
                        let bound = productTolerance(x: xs, w: ws, usesCodes: usesCodes)
                        let error = abs(Double(got[t * c.rows + r]) - want)
                        #expect(error <= bound, "\(c.type) \(kernels) tokens=\(tokens) y[\(t), \(r)] = \(got[t * c.rows + r]), want \(want)")
                        let scale = zip(xs, ws).reduce(0.0) { $0 + Double(abs($1.0 * $1.1)) }
                        if scale > 0 { worst = max(worst, error / scale) }
                    }
                }
            }
        }
        print("\(c.type): largest |error| / sum|x w| = \(worst)")
    }

    @Test(arguments: QuantFixture.allCases.filter { $0.source != nil })
    func quantizeWritesGGUFPyBytes(_ c: QuantFixture.Case) throws {
        let source = Tensor(c.sourceValues!, shape: [c.rows, c.columns])
        let q = try QuantizedMatrix.quantize(source, to: c.ggmlType)
        #expect(q.byteCount == c.encoded.count)
        #expect(try bytes(of: q) == c.encoded, "\(c.type)")
        if let edges = c.edges {
            let values = QuantFixture.decodeFloats(edges.source)
            let e = try QuantizedMatrix.quantize(Tensor(values, shape: [1, values.count]), to: c.ggmlType)
            #expect(try bytes(of: e) == QuantFixture.decodeBytes(edges.bytes), "\(c.type) edge values")
            let back = try QuantizedMatrix(type: c.ggmlType, rows: 1, columns: values.count, data: QuantFixture.decodeBytes(edges.bytes))
            #expect(back.dequantized().floats.map(\.bitPattern) == QuantFixture.decodeFloats(edges.dequantized).map(\.bitPattern),
                    "\(c.type) edge values back")
        }
    }

    @Test func scalarAndAVX2Agree() throws {
        guard QuantizedMatrix.Kernels.best == .avx2 else { print("skipped: no AVX2 on this CPU"); return }
        let x = QuantFixture.shared.xValues(tokens: 17)
        for c in QuantFixture.allCases {
            let m = try c.matrix()
            let input = Tensor(x, shape: [17, c.columns])
            let a = m.matmul(input, kernels: .scalar).floats, b = m.matmul(input, kernels: .avx2).floats
            let w = c.dequantizedValues
            for t in 0..<17 {
                for r in 0..<c.rows {
                    let scale = zip(x[t * c.columns..<(t + 1) * c.columns], w[r * c.columns..<(r + 1) * c.columns])
                        .reduce(0.0) { $0 + Double(abs($1.0 * $1.1)) }
                    #expect(abs(Double(a[t * c.rows + r]) - Double(b[t * c.rows + r])) <= 1e-5 * scale + 1e-30,
                            "\(c.type) y[\(t), \(r)]: scalar \(a[t * c.rows + r]), AVX2 \(b[t * c.rows + r])")
                }
            }
        }
    }

    /// 37 rows (not a multiple of any thread chunk), 320 columns (10 blocks), x of rank 3.
    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0, .f16, .bf16, .f32])
    func oddShapesMatchDequantizedProduct(_ type: GGMLType) throws {
        var rng = RandomGenerator(seed: 11)
        let rows = 37, columns = 320
        let m = try QuantizedMatrix.quantize(Tensor.normal([rows, columns], std: 0.3, generator: &rng), to: type)
        let w = m.dequantized().floats
        for tokens in [1, 3, 17] {
            let x = Tensor.normal([1, tokens, columns], generator: &rng)
            let xs = x.floats
            for kernels in quantKernelSets {
                let y = m.matmul(x, kernels: kernels)
                #expect(y.shape == [1, tokens, rows])
                let got = y.floats
                for t in 0..<tokens {
                    for r in 0..<rows {
                        let xr = xs[t * columns..<(t + 1) * columns], wr = w[r * columns..<(r + 1) * columns]
                        let want = zip(xr, wr).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                        let bound = productTolerance(x: xr, w: wr, usesCodes: ![.f32, .f16, .bf16].contains(type))
                        #expect(abs(Double(got[t * rows + r]) - want) <= bound, "\(type) \(kernels) tokens=\(tokens) y[\(t), \(r)]")
                    }
                }
            }
        }
    }

    /// quantize then dequantize stays within the rounding error of each encoding, block by block.
    @Test(arguments: [GGMLType.q8_0, .q4_0, .q4_1])
    func quantizeRoundTripsWithinTheEncodingsError(_ type: GGMLType) throws {
        var rng = RandomGenerator(seed: 5)
        let source = Tensor.normal([37, 320], std: 2, generator: &rng)
        let original = source.floats
        let back = try QuantizedMatrix.quantize(source, to: type).dequantized().floats
        for b in stride(from: 0, to: original.count, by: 32) {
            let block = original[b..<b + 32]
            let amax = block.map { abs($0) }.max()!, lo = block.min()!, hi = block.max()!
            let bound: Float
            switch type {
            case .q8_0: bound = 0.51 * amax / 127 + amax * 0x1p-11         // half a step, plus the float16 scale's rounding
            case .q4_0: bound = 1.01 * amax / 8 + amax * 0x1p-10           // one step at the clipped end (+8 maps to code 15)
            default: bound = 0.51 * (hi - lo) / 15 + (hi - lo) * 0x1p-10 + abs(lo) * 0x1p-10
            }
            for k in b..<b + 32 {
                #expect(abs(back[k] - original[k]) <= bound, "\(type) value \(k): \(original[k]) -> \(back[k])")
            }
        }
    }

    @Test func borrowedBytesGiveTheSameMatrix() throws {
        let c = QuantFixture.named("Q4_1")
        let owner = BytesOwner(c.encoded)
        let borrowed = try QuantizedMatrix(type: .q4_1, rows: c.rows, columns: c.columns,
                                           bytes: UnsafeRawBufferPointer(start: owner.pointer, count: owner.count), owner: owner)
        #expect(borrowed.byteCount == c.encoded.count)
        #expect(borrowed.dequantized().floats == c.dequantizedValues)
        #expect(borrowed.description == "QuantizedMatrix(Q4_1, 4 x 256, 640 bytes)")
    }

    @Test func malformedDescriptionsThrow() throws {
        #expect(throws: QuantizedMatrixError.byteCountMismatch(type: .q4_1, rows: 2, columns: 64, expected: 80, actual: 79)) {
            try QuantizedMatrix(type: .q4_1, rows: 2, columns: 64, data: [UInt8](repeating: 0, count: 79))
        }
        #expect(throws: QuantizedMatrixError.partialBlock(type: .q4_0, columns: 48)) {
            try QuantizedMatrix(type: .q4_0, rows: 1, columns: 48, data: [UInt8](repeating: 0, count: 27))
        }
        #expect(throws: QuantizedMatrixError.unsupportedType(.q5_0)) {
            try QuantizedMatrix(type: .q5_0, rows: 1, columns: 32, data: [UInt8](repeating: 0, count: 22))
        }
        #expect(throws: QuantizedMatrixError.invalidShape(rows: 0, columns: 32)) {
            try QuantizedMatrix(type: .q8_0, rows: 0, columns: 32, data: [])
        }
        #expect(throws: QuantizedMatrixError.byteCountMismatch(type: .q8_0, rows: Int.max / 2, columns: 32, expected: nil, actual: 34)) {
            try QuantizedMatrix(type: .q8_0, rows: Int.max / 2, columns: 32, data: [UInt8](repeating: 0, count: 34))
        }
        #expect(throws: QuantizedMatrixError.unsupportedType(.q4_K)) {
            try QuantizedMatrix.quantize(Tensor.zeros([2, 256]), to: .q4_K)
        }
        #expect(throws: QuantizedMatrixError.notAMatrix([256])) {
            try QuantizedMatrix.quantize(Tensor.zeros([256]), to: .q8_0)
        }
        let error = QuantizedMatrixError.byteCountMismatch(type: .q4_1, rows: 2, columns: 64, expected: 80, actual: 79)
        #expect(error.description == "QuantizedMatrix: 2 x 64 values of Q4_1 need 80 bytes, got 79")
    }

    /// Non-finite activations give non-finite outputs, as a float product would.
    @Test func nonFiniteInputsPropagate() throws {
        let m = try QuantizedMatrix.quantize(Tensor.ones([3, 64]), to: .q4_1)
        var x = [Float](repeating: 1, count: 64)
        x[40] = .infinity
        for kernels in quantKernelSets {
            let y = m.matmul(Tensor(x, shape: [1, 64]), kernels: kernels).floats
            #expect(y.allSatisfy { !$0.isFinite }, "\(kernels): \(y)")
        }
    }

    private func bytes(of m: QuantizedMatrix) throws -> [UInt8] { m.withUnsafeBytes { Array($0) } }
}

/// Memory a borrowing matrix points into.
private final class BytesOwner {
    let pointer: UnsafeMutableRawPointer
    let count: Int
    init(_ bytes: [UInt8]) {
        count = bytes.count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 1)
        bytes.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: count) }
    }
    deinit { pointer.deallocate() }
}
