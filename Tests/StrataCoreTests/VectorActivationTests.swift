import Foundation
import Testing
import StrataCore

/// The float32 activations that run as AVX2 kernels on CPUs that have them (CStrataKernels'
/// `strata_*_f32`), against the same ops in float64, which run the generic scalar loop. The
/// lengths cover whole vectors of eight, the masked tail, and arrays split across threads.
@Suite("Float32 activation kernels against float64")
struct VectorActivationTests {
    /// Inputs over the ranges that matter: both tanh branches (|x| below and above 0.625), values
    /// near zero, and saturation.
    static func inputs(_ n: Int) -> [Float] {
        let specials: [Float] = [0, -0.0, 1e-7, -3e-4, 0.6249, -0.6251, 0.625, 3, -5, 9.5, -20, 40, -90, 100]
        return (0..<n).map { i in i < specials.count ? specials[i] : Float(i % 97) * 0.25 - 12 + Float(i % 7) * 0.013 }
    }

    static let lengths = [1, 7, 8, 9, 17, 100, 70_001]

    /// Largest |float32 - float64| / max(1, |float64|) of `op` over every length.
    static func worstError(_ op: (Tensor) -> Tensor) -> Double {
        var worst = 0.0
        for n in lengths {
            let x = inputs(n)
            let single: [Float] = op(Tensor(x, shape: [n])).floats
            let double: [Double] = op(Tensor(x.map(Double.init), shape: [n])).doubles
            for (s, d) in zip(single, double) {
                worst = Swift.max(worst, Swift.abs(Double(s) - d) / Swift.max(1, Swift.abs(d)))
            }
        }
        return worst
    }

    enum Activation: String, CaseIterable, Sendable {
        case sigmoid, tanh, silu, gelu, geluErf
        func apply(_ x: Tensor) -> Tensor {
            switch self {
            case .sigmoid: return x.sigmoid()
            case .tanh: return x.tanh()
            case .silu: return x.silu()
            case .gelu: return x.gelu(approximate: true)
            case .geluErf: return x.gelu(approximate: false)
            }
        }
    }

    @Test(arguments: Activation.allCases)
    func forward(_ activation: Activation) {
        let error = Self.worstError { activation.apply($0) }
        #expect(error < 1e-6, "\(activation): largest error \(error)")
    }

    @Test func tanhNearZeroIsRelativelyAccurate() {
        let nearZero: [Float] = Tensor([1e-7, -3e-4, 0.01, -0.3], shape: [4]).tanh().floats
        let expected: [Float] = [1e-7, -3e-4, 0.01, -0.3].map { Float(Foundation.tanh(Double($0))) }
        for (got, want) in zip(nearZero, expected) {
            #expect(Swift.abs(got - want) <= 2 * want.magnitude.ulp, "tanh near zero: \(got) against \(want)")
        }
    }

    /// Both GELUs' gradients (tanh form and exact erf form, each with its own AVX2 derivative kernel).
    @Test(arguments: [true, false])
    func geluBackward(approximate: Bool) {
        // The gradient: ∂ sum(gelu(x) · w) / ∂x = w · gelu'(x), with w varying so that a wrong
        // lane of g would show.
        let backward = Self.worstError { x in
            let leaf = x.copy()
            leaf.requiresGrad = true
            let w = Tensor((0..<x.count).map { Double($0 % 5) - 2 }, shape: [x.count]).cast(to: x.dtype)
            (leaf.gelu(approximate: approximate) * w).sum().backward()
            return leaf.grad!
        }
        #expect(backward < 1e-5, "approximate \(approximate): largest gradient error \(backward)")
    }

    /// The float32 LSTM (AVX2 gates, and the recurrent products through `PanelPackedMatrix`)
    /// against the float64 one (scalar loops, OpenBLAS's dgemm): the h and c states and the gradients of
    /// the input and both weights. Batch 7 is one block of six rows and one of one; hidden 13
    /// leaves a partial panel of 16 columns in both products (4H = 52 forward, H = 13 backward).
    @Test func lstmMatchesFloat64() {
        let (batch, steps, features, hidden) = (7, 5, 6, 13)
        let inputs = [randomTensor([batch, steps, features], seed: 3), randomTensor([4 * hidden, features], seed: 4),
                      randomTensor([4 * hidden, hidden], seed: 5), randomTensor([steps, 2, batch, hidden], seed: 6)]
        func run(_ dtype: DType) -> [[Double]] {
            let t = inputs.map { $0.cast(to: dtype).copy() }   // leaves, so that they keep their gradients
            let (x, wih, whh) = (t[0], t[1], t[2])
            for p in [x, wih, whh] { p.requiresGrad = true }
            let h0 = Tensor.zeros([batch, hidden], dtype: dtype), c0 = Tensor.zeros([batch, hidden], dtype: dtype)
            let out = Tensor.lstm(x, h0: h0, c0: c0, weightIH: wih, weightHH: whh, biasIH: nil, biasHH: nil)
            (out * t[3]).sum().backward()
            return [out, x.grad!, wih.grad!, whh.grad!].map { $0.cast(to: .float64).doubles }
        }
        let single = run(.float32), double = run(.float64)
        for (name, (s, d)) in zip(["output", "input gradient", "W_ih gradient", "W_hh gradient"], zip(single, double)) {
            let worst = zip(s, d).map { Swift.abs($0 - $1) / Swift.max(1, Swift.abs($1)) }.max() ?? .infinity
            #expect(s.count == d.count && worst < 1e-5, "\(name): largest difference \(worst)")
        }
    }
}
