import Foundation
import StrataCore

/// Rotary position embeddings (Su et al. 2021): pair i of a head at position p turns by
/// p · base^(-2i/d). Angles are computed in Double and rounded once to Float.
struct RotaryTable: Sendable {
    let headWidth: Int
    let pairing: Llama.RotaryPairing
    /// base^(-2i/d) for i in 0..<d/2.
    let frequencies: [Double]

    init(headWidth: Int, base: Double, pairing: Llama.RotaryPairing) {
        self.headWidth = headWidth
        self.pairing = pairing
        frequencies = (0..<(headWidth / 2)).map { Foundation.pow(base, -2 * Double($0) / Double(headWidth)) }
    }

    /// cos and sin of every pair's angle at `positions` (one row each), `[positions.count, d/2]` each.
    func angles(positions: [Int]) -> RotaryAngles {
        let half = headWidth / 2, count = positions.count
        var cos = [Float](repeating: 0, count: count * half), sin = cos
        for (row, p) in positions.enumerated() {
            let position = Double(p)
            for i in 0..<half {
                let angle = position * frequencies[i]
                cos[row * half + i] = Float(Foundation.cos(angle))
                sin[row * half + i] = Float(Foundation.sin(angle))
            }
        }
        return RotaryAngles(cos: Tensor(cos, shape: [count, half]), sin: Tensor(sin, shape: [count, half]), count: count)
    }

    /// Rotates every head of `x` `[T, heads·d]` in place, row t by `angles` row t.
    func apply(_ x: Tensor, heads: Int, angles: RotaryAngles) {
        let t = x.shape[0], d = headWidth
        ensure(x.rank == 2 && x.shape[1] == heads * d && t == angles.count && x.dtype == .float32,
               "rotary: expected float32 [\(angles.count), \(heads)·\(d)], got \(x.dtype) \(x.shape)")
        x.device.backend.rotaryEmbedding(x, heads: heads, cos: angles.cos, sin: angles.sin,
                                         pairing: pairing == .adjacent ? .adjacent : .halves)
    }
}

/// The rotation of each position of one forward pass (shared by every layer): cos and sin `[count, d/2]`.
struct RotaryAngles {
    let cos: Tensor
    let sin: Tensor
    let count: Int
}

/// Inference kernels of the Llama blocks, on float32 rows (the backend's ``InferenceBackend``).
enum LlamaKernels {
    /// RMSNorm (Zhang & Sennrich 2019) over the last axis of `x` `[n, C]`:
    /// x / √(mean(x²) + ε) · weight.
    static func rmsNorm(_ x: Tensor, weight: Tensor, epsilon: Double) -> Tensor {
        ensure(x.rank == 2 && weight.shape == Shape([x.shape[1]]) && x.dtype == .float32 && weight.dtype == .float32,
               "rmsNorm: input \(x.dtype) \(x.shape), weight \(weight.dtype) \(weight.shape)")
        let out = Tensor.empty(x.shape)
        x.device.backend.rmsNorm(x, weight: weight, epsilon: epsilon, into: out)
        return out
    }

    /// SwiGLU's gating: silu(gate) ∘ up, elementwise, for `[n, F]` inputs.
    static func swiGLU(gate: Tensor, up: Tensor) -> Tensor {
        ensure(gate.shape == up.shape && gate.dtype == .float32 && up.dtype == .float32,
               "swiGLU: gate \(gate.dtype) \(gate.shape) and up \(up.dtype) \(up.shape) differ or are not float32")
        let out = Tensor.empty(gate.shape)
        gate.device.backend.swiGLU(gate: gate, up: up, into: out)
        return out
    }
}
