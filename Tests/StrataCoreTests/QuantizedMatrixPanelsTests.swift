import Foundation
import Testing
import StrataCore

/// Matrices in panels of 16 rows (`QuantizedMatrix.panelPacked()`, `quant_panels.c`): the same
/// values as the ggml rows they came from, products against the float64 references of
/// Fixtures/quant_reference.json, and a token's result independent of the batch around it.
@Suite struct QuantizedMatrixPanelsTests {
    static let panelTypes: [GGMLType] = [.q4_0, .q4_1, .q8_0]

    @Test(arguments: QuantFixture.allCases.filter { panelTypes.contains($0.ggmlType) })
    func panelsKeepTheValuesAndMatchTheReferenceProduct(_ c: QuantFixture.Case) throws {
        guard QuantizedMatrix.panelsSupported(c.ggmlType) else { print("skipped: no AVX2 on this CPU, matrices stay in rows"); return }
        let rows = try c.matrix()
        let m = rows.panelPacked()
        #expect(m.layout == .panels && rows.layout == .rows)
        #expect(m.panelPacked() === m)
        // The rows it rebuilds are the file's bytes; dequantisation gives gguf-py's bits.
        #expect(m.withUnsafeBytes { Array($0) } == c.encoded, "\(c.type)")
        let expected = c.dequantizedValues.map(\.bitPattern)
        for kernels in quantKernelSets {
            #expect(m.dequantized(kernels: kernels).floats.map(\.bitPattern) == expected, "\(c.type) \(kernels)")
        }
        let w = c.dequantizedValues
        for tokens in [1, 3, 17] {
            let x = QuantFixture.shared.xValues(tokens: tokens)
            let input = Tensor(x, shape: [tokens, c.columns])
            let results = quantKernelSets.map { m.matmul(input, kernels: $0).floats }
            let inRows = rows.matmul(input).floats
            for t in 0..<tokens {
                for r in 0..<c.rows {
                    let xs = x[t * c.columns..<(t + 1) * c.columns], ws = w[r * c.columns..<(r + 1) * c.columns]
                    let bound = productTolerance(x: xs, w: ws, usesCodes: true)
                    for (kernels, y) in zip(quantKernelSets, results) {
                        #expect(abs(Double(y[t * c.rows + r]) - c.product[t * c.rows + r]) <= bound, "\(c.type) \(kernels) tokens=\(tokens) y[\(t), \(r)]")
                    }
                    // Panels and rows differ only in the order of float additions, except Q4_0's
                    // offset: rows take -8·d times the codes' sum, panels times the float sum of x.
                    let scale = zip(xs, ws).reduce(0.0) { $0 + Double(abs($1.0 * $1.1)) }
                    let apart = c.ggmlType == .q4_0 ? 2 * bound : 1e-6 * scale + 1e-30
                    #expect(abs(Double(results.last![t * c.rows + r]) - Double(inRows[t * c.rows + r])) <= apart,
                            "\(c.type) tokens=\(tokens) y[\(t), \(r)] panels vs rows")
                }
            }
        }
    }

    /// 37 rows (a partial last panel), 320 columns, 19 tokens (two full tiles of 8 and a partial
    /// one): each token's row of the result has the same bits as that token multiplied alone,
    /// and stays within the int16-code tolerance of the float64 product.
    @Test(arguments: panelTypes)
    func aTokenGetsTheSameBitsAloneAsInABatch(_ type: GGMLType) throws {
        guard QuantizedMatrix.panelsSupported(type) else { print("skipped: no AVX2 on this CPU"); return }
        var rng = RandomGenerator(seed: 23)
        let rows = 37, columns = 320, tokens = 19
        let m = try QuantizedMatrix.quantize(Tensor.normal([rows, columns], std: 0.3, generator: &rng), to: type).panelPacked()
        #expect(m.layout == .panels)
        let w = m.dequantized().floats
        let x = Tensor.normal([tokens, columns], generator: &rng)
        let xs = x.floats
        for kernels in quantKernelSets {
            let batch = m.matmul(x, kernels: kernels).floats
            for t in 0..<tokens {
                let xr = Array(xs[t * columns..<(t + 1) * columns])
                let alone = m.matmul(Tensor(xr, shape: [1, columns]), kernels: kernels).floats
                #expect(alone.map(\.bitPattern) == batch[t * rows..<(t + 1) * rows].map(\.bitPattern), "\(type) \(kernels) token \(t)")
                for r in 0..<rows {
                    let wr = w[r * columns..<(r + 1) * columns]
                    let want = zip(xr, wr).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                    #expect(abs(Double(batch[t * rows + r]) - want) <= productTolerance(x: xr[...], w: wr, usesCodes: true),
                            "\(type) \(kernels) y[\(t), \(r)]")
                }
            }
        }
    }

    /// Several matrices of the same columns in one pass (a layer's query, key and value) give
    /// the bits of one product each, in panels and in rows.
    @Test func matricesSharingColumnsInOnePass() throws {
        var rng = RandomGenerator(seed: 31)
        let shapes: [(GGMLType, Int)] = [(.q4_1, 48), (.q4_0, 21), (.q8_0, 37)]
        let rows = try shapes.map { try QuantizedMatrix.quantize(Tensor.normal([$0.1, 96], std: 0.3, generator: &rng), to: $0.0) }
        let x = Tensor.normal([5, 96], generator: &rng)
        for matrices in [rows, rows.map { $0.panelPacked() }] {
            let together = QuantizedMatrix.matmul(x, matrices)
            #expect(together.map(\.shape) == matrices.map { Shape([5, $0.rows]) })
            for (m, y) in zip(matrices, together) {
                #expect(y.floats.map(\.bitPattern) == m.matmul(x).floats.map(\.bitPattern), "\(m)")
            }
        }
    }

    /// A Q4_0 scale whose offset -8·d does not fit float16 (|d| > 8,188), or a NaN scale, keeps
    /// the matrix in rows, with its values.
    @Test func q4_0ScalesBeyondFloat16StayInRows() throws {
        guard QuantizedMatrix.panelsSupported(.q4_0) else { print("skipped: no AVX2 on this CPU"); return }
        for scale in [Float16(60_000), Float16.nan] {
            var block = [UInt8](repeating: 0x99, count: 18)   // codes 9: value d·(9 - 8) = d
            withUnsafeBytes(of: scale.bitPattern.littleEndian) { block.replaceSubrange(0..<2, with: $0) }
            let m = try QuantizedMatrix(type: .q4_0, rows: 1, columns: 32, data: block)
            let packed = m.panelPacked()
            #expect(packed === m && packed.layout == .rows)
            #expect(packed.dequantized().floats.map(\.bitPattern) == m.dequantized().floats.map(\.bitPattern))
        }
        // d = 4,096 (0x6C00): -8·d = -32,768 fits, and the matrix goes into panels.
        let fine = try QuantizedMatrix(type: .q4_0, rows: 1, columns: 32, data: [0x00, 0x6C] + [UInt8](repeating: 0x99, count: 16))
        #expect(fine.panelPacked().layout == .panels)
        #expect(fine.panelPacked().dequantized().floats == [Float](repeating: 4096, count: 32))
    }

    /// Types without panel kernels stay as they are.
    @Test func otherTypesStayInRows() throws {
        let m = try QuantizedMatrix.quantize(Tensor.ones([3, 64]), to: .f16)
        #expect(m.panelPacked() === m)
    }
}
