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

    /// cos and sin of every pair's angle at positions `start ..< start + count`, `[count, d/2]` each.
    func angles(start: Int, count: Int) -> RotaryAngles {
        let half = headWidth / 2
        var cos = [Float](repeating: 0, count: count * half), sin = cos
        for row in 0..<count {
            let position = Double(start + row)
            for i in 0..<half {
                let angle = position * frequencies[i]
                cos[row * half + i] = Float(Foundation.cos(angle))
                sin[row * half + i] = Float(Foundation.sin(angle))
            }
        }
        return RotaryAngles(cos: cos, sin: sin, count: count)
    }

    /// Rotates every head of `x` `[T, heads·d]` in place, row t by `angles` row t.
    func apply(_ x: Tensor, heads: Int, angles: RotaryAngles) {
        let t = x.shape[0], d = headWidth, half = d / 2
        ensure(x.rank == 2 && x.shape[1] == heads * d && t == angles.count,
               "rotary: expected [\(angles.count), \(heads)·\(d)], got \(x.shape)")
        x.withUnsafeMutableBuffer(as: Float.self) { buffer in
            let p = buffer.baseAddress!
            for row in 0..<t {
                for h in 0..<heads {
                    let v = p + (row * heads + h) * d
                    for i in 0..<half {
                        let (c, s) = (angles.cos[row * half + i], angles.sin[row * half + i])
                        // adjacent: (v[2i], v[2i+1]); halves: (v[i], v[i + d/2])
                        let (ia, ib) = pairing == .adjacent ? (2 * i, 2 * i + 1) : (i, i + half)
                        let a = v[ia], b = v[ib]
                        v[ia] = a * c - b * s
                        v[ib] = a * s + b * c
                    }
                }
            }
        }
    }
}

/// The rotation of each position of one forward pass (shared by every layer).
struct RotaryAngles {
    let cos: [Float]
    let sin: [Float]
    let count: Int
}

/// Inference kernels of the Llama blocks, on float32 rows.
enum LlamaKernels {
    /// RMSNorm (Zhang & Sennrich 2019) over the last axis of `x` `[n, C]`:
    /// x / √(mean(x²) + ε) · weight.
    static func rmsNorm(_ x: Tensor, weight: Tensor, epsilon: Double) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        ensure(x.rank == 2 && weight.shape == Shape([c]), "rmsNorm: input \(x.shape), weight \(weight.shape)")
        let out = Tensor.empty(x.shape)
        x.withUnsafeBuffer(as: Float.self) { xs in
            weight.withUnsafeBuffer(as: Float.self) { w in
                out.withUnsafeMutableBuffer(as: Float.self) { o in
                    for r in 0..<n {
                        let row = xs.baseAddress! + r * c
                        var sum: Double = 0
                        for i in 0..<c { sum += Double(row[i]) * Double(row[i]) }
                        let scale = Float(1 / (sum / Double(c) + epsilon).squareRoot())
                        let dst = o.baseAddress! + r * c
                        for i in 0..<c { dst[i] = row[i] * scale * w[i] }
                    }
                }
            }
        }
        return out
    }

    /// SwiGLU's gating: silu(gate) ∘ up, elementwise, for `[n, F]` inputs.
    static func swiGLU(gate: Tensor, up: Tensor) -> Tensor {
        ensure(gate.shape == up.shape, "swiGLU: gate \(gate.shape) and up \(up.shape) differ")
        let out = Tensor.empty(gate.shape)
        gate.withUnsafeBuffer(as: Float.self) { g in
            up.withUnsafeBuffer(as: Float.self) { u in
                out.withUnsafeMutableBuffer(as: Float.self) { o in
                    for i in 0..<o.count { o[i] = g[i] / (1 + Foundation.exp(-g[i])) * u[i] }
                }
            }
        }
        return out
    }

    /// Causal grouped-query attention of queries `[T, H·D]` (positions `start ..< start + T`)
    /// over the cached keys and values of `layer` (positions `0 ..< start + T`): query head h
    /// reads kv head h / (H / Hkv). Result `[T, H·D]`.
    static func attention(query q: Tensor, cache: Llama.Cache, layer: Int, start: Int, heads: Int) -> Tensor {
        let t = q.shape[0], d = cache.headWidth, group = heads / cache.kvHeads
        let capacity = cache.capacity
        ensure(q.shape == Shape([t, heads * d]) && start + t <= capacity, "attention: queries \(q.shape) at \(start)")
        let keys = cache.keys[layer], values = cache.values[layer]
        let scale = Float(1 / Double(d).squareRoot())
        let out = Tensor.empty([t, heads * d])
        q.withUnsafeBuffer(as: Float.self) { qs in
            out.withUnsafeMutableBuffer(as: Float.self) { os in
                let qBase = qs.baseAddress!, oBase = os.baseAddress!
                let grain = Swift.max(1, 32_768 / ((start + t) * d))
                Parallel.forEachChunk(t * heads, grain: grain) { rows in
                    let scores = UnsafeMutablePointer<Float>.allocate(capacity: start + t)
                    defer { scores.deallocate() }
                    for r in rows {
                        let (row, h) = (r / heads, r % heads)
                        let g = h / group
                        attendRow(query: qBase + r * d, keys: keys + g * capacity * d, values: values + g * capacity * d,
                                  visible: start + row + 1, width: d, scale: scale, scores: scores, out: oBase + r * d)
                    }
                }
            }
        }
        return out
    }

    /// One query head attending to the first `visible` positions of one kv head's keys and
    /// values (`[capacity, D]` each, contiguous): `out` = softmax(q·kⱼ·scale) · v. `scores` is
    /// scratch space for `visible` floats.
    @inline(__always)
    static func attendRow(query qv: UnsafePointer<Float>, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>,
                          visible: Int, width d: Int, scale: Float, scores: UnsafeMutablePointer<Float>,
                          out o: UnsafeMutablePointer<Float>) {
        var peak = -Float.infinity
        for j in 0..<visible {
            let s = dot(qv, k + j * d, d) * scale
            scores[j] = s
            peak = Swift.max(peak, s)
        }
        var total: Float = 0
        for j in 0..<visible {
            let e = Foundation.exp(scores[j] - peak)
            scores[j] = e
            total += e
        }
        o.initialize(repeating: 0, count: d)
        let inverse = 1 / total
        for j in 0..<visible { axpy(scores[j] * inverse, v + j * d, o, d) }
    }

    /// Σ a[i]·b[i] over n floats, eight lanes at a time.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// y += α·x over n floats.
    @inline(__always)
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        let a = SIMD8<Float>(repeating: alpha)
        while i + 8 <= n {
            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            let xv = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: yv + a * xv, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { y[i] += alpha * x[i]; i += 1 }
    }
}
