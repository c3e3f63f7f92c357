import Foundation
import Testing
import StrataCore

/// Fixtures/packed_reference.json, written by Scripts/make_packed_fixtures.py with numpy.
struct PackedFixture: Decodable {
    struct Int8Part: Decodable { let codes: [Int]; let scales: [Float]; let y: [Double]; let y_dynamic: [Double] }
    struct Int4Part: Decodable { let group: Int; let codes: [Int]; let scales: [Float]; let y: [Double] }
    let rows: Int, columns: Int, tokens: Int
    let w: [Float], x: [Float]
    let int8: Int8Part
    let int4_g16: Int4Part
    struct LogPart: Decodable { let scale_codes: [Int]; let scales: [Float]; let codes: [Int] }
    let int8_log: LogPart
    let int4_g16_log: LogPart

    static let shared: PackedFixture = {
        guard let url = Bundle.module.url(forResource: "packed_reference", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url), let fixture = try? JSONDecoder().decode(PackedFixture.self, from: data) else {
            fatalError("packed_reference.json is missing or unreadable: run python3 Scripts/make_packed_fixtures.py")
        }
        return fixture
    }()

    var weight: Tensor { Tensor(w, shape: [rows, columns]) }
    var input: Tensor { Tensor(x, shape: [tokens, columns]) }
}

/// int8 / int4 packed weights against numpy (codes, scales, products) and against ggml's Q4_0.
@Suite struct PackedMatrixTests {
    let f = PackedFixture.shared

    @Test func int8CodesAndScalesMatchNumpy() throws {
        let m = try PackedMatrix.quantize(f.weight, scheme: .int8)
        #expect(m.codes.map { Int(Int8(bitPattern: $0)) } == f.int8.codes)
        #expect(m.scales == f.int8.scales)
        #expect(m.scales[2] == 0)   // the row of zeros
    }

    @Test func int4CodesAndScalesMatchNumpy() throws {
        let m = try PackedMatrix.quantize(f.weight, scheme: .int4(groupSize: f.int4_g16.group))
        #expect(m.codes.map(Int.init) == f.int4_g16.codes)
        #expect(m.scales == f.int4_g16.scales)
    }

    @Test func logarithmicScaleCodesMatchNumpy() throws {
        let m8 = try PackedMatrix.quantize(f.weight, scheme: .int8, scaleCoding: .logarithmic)
        #expect(m8.scaleCoding == .logarithmic)
        #expect(m8.scales == f.int8_log.scales)
        #expect(m8.codes.map { Int(Int8(bitPattern: $0)) } == f.int8_log.codes)
        #expect(m8.storedScales.dtype == "U8" && m8.storedScales.bytes.map(Int.init) == f.int8_log.scale_codes)
        let m4 = try PackedMatrix.quantize(f.weight, scheme: .int4(groupSize: f.int4_g16.group), scaleCoding: .logarithmic)
        #expect(m4.scaleCoding == .logarithmic)
        #expect(m4.scales == f.int4_g16_log.scales)
        #expect(m4.codes.map(Int.init) == f.int4_g16_log.codes)
        #expect(m4.storedScales.bytes.map(Int.init) == f.int4_g16_log.scale_codes)
    }

    /// Every code decodes to a value that encodes back to it; any scale in range rounds up to the
    /// grid by less than one step (2^(1/8)); a scale beyond the grid has no code.
    @Test func logarithmicScaleCodesRoundTrip() {
        typealias Codes = PackedMatrix.ScaleCodes
        for c in 0...255 {
            let code = UInt8(c)
            #expect(Codes.int8Code(Codes.int8Scale(code)) == code)
            if code != 0x80 { #expect(Codes.int4Code(Codes.int4Scale(code)) == code) }   // 0x80 is -0: code 0
        }
        let step = Float(exp2(1.0 / 8))
        var g = RandomGenerator(seed: 3)
        for _ in 0..<2000 {
            let s = Float(exp2(g.nextUniform() * 28 - 23))   // 2^-23 ... 2^5
            let up = Codes.int8Scale(Codes.int8Code(s)!)
            #expect(up >= s && up < s * step, "\(s) -> \(up)")
            if s >= 2e-4, s <= 10 {
                let down = Codes.int4Scale(Codes.int4Code(-s)!)
                #expect(down <= -s && down > -s * step, "\(-s) -> \(down)")
            }
        }
        #expect(Codes.int8Code(300) == nil && Codes.int4Code(11) == nil && Codes.int8Code(-1) == nil)
        #expect(Codes.int8Scale(255) == Float(exp2(63.0 / 8)) && Codes.int4Scale(100) == 1 && Codes.int4Scale(0x80 | 92) == -0.5)
    }

    /// A matrix whose weights need a scale beyond the grid keeps float scales.
    @Test func scalesBeyondTheGridStayFloat() throws {
        let w = Tensor([100_000, 1, -2, 3] as [Float], shape: [2, 2])
        #expect(try PackedMatrix.quantize(w, scheme: .int8, scaleCoding: .logarithmic).scaleCoding == .float)
        #expect(try PackedMatrix.quantize(w, scheme: .int4(groupSize: 2), scaleCoding: .logarithmic).scaleCoding == .float)
        #expect(throws: PackedMatrixError.self) {
            try PackedMatrix(scheme: .int8, rows: 1, columns: 1, codes: [1], scales: [0.3], scaleCoding: .logarithmic)
        }
    }

    /// Groups of 32 are Q4_0 blocks: the values must be ggml's, bit for bit.
    @Test func int4GroupsOf32DequantiseAsGGMLQ4_0() throws {
        var g = RandomGenerator(seed: 7)
        let w = Tensor.normal([5, 96], generator: &g)
        let ours = try PackedMatrix.quantize(w, scheme: .int4(groupSize: 32)).dequantized().floats
        let ggml = try QuantizedMatrix.quantize(w, to: .q4_0).dequantized().floats
        #expect(ours.map(\.bitPattern) == ggml.map(\.bitPattern))
    }

    @Test func weightOnlyProductsMatchNumpy() throws {
        for (scheme, want) in [(PackedScheme.int8, f.int8.y), (.int4(groupSize: 16), f.int4_g16.y)] {
            let m = try PackedMatrix.quantize(f.weight, scheme: scheme)
            for kernels in quantKernelSets {
                let y = m.matmul(f.input, kernels: kernels)
                #expect(y.shape == [f.tokens, f.rows])
                for (got, expected) in zip(y.floats, want) {
                    #expect(abs(Double(got) - expected) <= 1e-5 * (1 + abs(expected)), "\(scheme) \(kernels): \(got) vs \(expected)")
                }
            }
        }
    }

    /// Dynamic int8 activations: exact integer sums, so only float32 rounding of the two scales differs.
    @Test func dynamicInt8ProductsMatchNumpyIntegerSums() throws {
        let m = try PackedMatrix.quantize(f.weight, scheme: .int8)
        for kernels in quantKernelSets {
            let y = m.matmul(f.input, activations: .dynamicInt8, kernels: kernels).floats
            for (got, expected) in zip(y, f.int8.y_dynamic) {
                #expect(abs(Double(got) - expected) <= 1e-6 * (1 + abs(expected)), "\(kernels): \(got) vs \(expected)")
            }
        }
    }

    /// Against the float product x·Wᵀ the dynamic result is within the quantisation error:
    /// each x code is within half a step (max|x_row| / 254) and each weight within half of its own.
    @Test func dynamicInt8IsWithinQuantisationErrorOfFloat() throws {
        var g = RandomGenerator(seed: 11)
        let (rows, columns, tokens) = (37, 300, 9)   // a tail after the 32-wide integer blocks
        let w = Tensor.normal([rows, columns], generator: &g), x = Tensor.normal([tokens, columns], generator: &g)
        let m = try PackedMatrix.quantize(w, scheme: .int8)
        let exact = Tensor.matmul(x, w, transposeB: true).floats
        let wv = w.floats, xv = x.floats
        for kernels in quantKernelSets {
            let y = m.matmul(x, activations: .dynamicInt8, kernels: kernels).floats
            for t in 0..<tokens {
                let xr = xv[t * columns..<(t + 1) * columns]
                let xStep = Double(xr.map { abs($0) }.max()!) / 127
                for r in 0..<rows {
                    let wr = wv[r * columns..<(r + 1) * columns]
                    let wStep = Double(wr.map { abs($0) }.max()!) / 127
                    let bound = zip(xr, wr).reduce(0.0) { $0 + Double(abs($1.1)) * xStep / 2 + Double(abs($1.0)) * wStep / 2 } + 1e-4
                    let error = abs(Double(y[t * rows + r]) - Double(exact[t * rows + r]))
                    #expect(error <= bound, "\(kernels) y[\(t), \(r)]: error \(error) > \(bound)")
                }
            }
        }
    }

    /// From 8 tokens on, CPUs with AVX-512 VNNI take the repacked-panel kernel: its int32 sums are
    /// exact, so every result must equal the portable kernel's bit for bit, across panel tails
    /// (37 rows: two panels and 5 rows), column groups of 4 with a tail (301 columns) and token
    /// tiles of 8 with a tail (19 tokens), down to one row of one column. Without VNNI this checks
    /// the AVX2 kernel the same way.
    @Test func dynamicInt8BatchesEqualThePortableKernelExactly() throws {
        var g = RandomGenerator(seed: 13)
        for (rows, columns, tokens) in [(37, 301, 19), (16, 64, 8), (50, 784, 64), (1, 1, 8), (17, 3, 9)] {
            let w = Tensor.normal([rows, columns], generator: &g), x = Tensor.normal([tokens, columns], generator: &g)
            let m = try PackedMatrix.quantize(w, scheme: .int8)
            let portable = m.matmul(x, activations: .dynamicInt8, kernels: .scalar).floats
            let fast = m.matmul(x, activations: .dynamicInt8, kernels: quantKernelSets.last!).floats
            #expect(portable.map(\.bitPattern) == fast.map(\.bitPattern), "\(rows)x\(columns), \(tokens) tokens")
        }
    }

    @Test func scalarAndAVX2Agree() throws {
        guard quantKernelSets.count == 2 else { return }
        var g = RandomGenerator(seed: 3)
        let w = Tensor.normal([19, 784], generator: &g), x = Tensor.normal([6, 784], generator: &g)
        for scheme in [PackedScheme.int8, .int4(groupSize: 16), .int4(groupSize: 112), .int4(groupSize: 98)] {
            let m = try PackedMatrix.quantize(w, scheme: scheme)
            let a = m.matmul(x, kernels: .scalar).floats, b = m.matmul(x, kernels: .avx2).floats
            for (p, q) in zip(a, b) { #expect(abs(p - q) <= 1e-4 * (1 + abs(p)), "\(scheme)") }
            let reference = Tensor.matmul(x, m.dequantized(), transposeB: true).floats
            for (p, q) in zip(a, reference) { #expect(abs(p - q) <= 1e-4 * (1 + abs(q)), "\(scheme) vs dequantised") }
        }
    }

    @Test func readBackCodesAreChecked() throws {
        #expect(throws: PackedMatrixError.self) { try PackedMatrix(scheme: .int8, rows: 2, columns: 3, codes: [0, 0, 0], scales: [1, 1]) }
        #expect(throws: PackedMatrixError.self) { try PackedMatrix(scheme: .int8, rows: 1, columns: 2, codes: [0x80, 0], scales: [1]) }
        #expect(throws: PackedMatrixError.self) { try PackedMatrix(scheme: .int4(groupSize: 4), rows: 1, columns: 6, codes: [0, 0, 0], scales: [1]) }
        #expect(throws: PackedMatrixError.self) { try PackedMatrix(scheme: .int8, rows: 1, columns: 1, codes: [1], scales: [.nan]) }
        #expect(throws: PackedMatrixError.self) { try PackedMatrix.quantize(Tensor.zeros([4, 48]), scheme: .int4(groupSize: 32)) }
    }

    @Test func patchesTimesFlattenedWeightIsTheConvolution() throws {
        var g = RandomGenerator(seed: 5)
        let x = Tensor.normal([2, 3, 7, 6], generator: &g), w = Tensor.normal([4, 3, 3, 3], generator: &g)
        let window = Window2D(kernel: (3, 3), stride: (2, 1), padding: (1, 1))
        let reference = x.conv2d(w, stride: (2, 1), padding: (1, 1))           // [2, 4, 4, 6]
        let rows = x.patches(window: window)                                   // [2·4·6, 27]
        let y = Tensor.matmul(rows, w.reshaped([4, 27]), transposeB: true)     // [48, 4]
            .reshaped([2, 4, 6, 4]).permuted([0, 3, 1, 2])
        for (a, b) in zip(y.floats, reference.floats) { #expect(abs(a - b) <= 1e-4) }
    }
}
