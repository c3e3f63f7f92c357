import Foundation
import CStrataKernels

/// The float32 loops of the decoder inference kernels (see ``InferenceBackend``).
enum InferenceKernels {
    static func rmsNorm(_ xs: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>,
                        rows n: Int, width c: Int, epsilon: Double) {
        for r in 0..<n {
            let row = xs + r * c
            var sum: Double = 0
            for i in 0..<c { sum += Double(row[i]) * Double(row[i]) }
            let scale = Float(1 / (sum / Double(c) + epsilon).squareRoot())
            let dst = o + r * c
            for i in 0..<c { dst[i] = row[i] * scale * w[i] }
        }
    }

    static func rotary(_ p: UnsafeMutablePointer<Float>, rows t: Int, heads: Int, half: Int,
                       cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, adjacent: Bool) {
        let d = 2 * half
        for row in 0..<t {
            for h in 0..<heads {
                let v = p + (row * heads + h) * d
                for i in 0..<half {
                    let (c, s) = (cos[row * half + i], sin[row * half + i])
                    // adjacent: (v[2i], v[2i+1]); halves: (v[i], v[i + d/2])
                    let (ia, ib) = adjacent ? (2 * i, 2 * i + 1) : (i, i + half)
                    let a = v[ia], b = v[ib]
                    v[ia] = a * c - b * s
                    v[ib] = a * s + b * c
                }
            }
        }
    }

    /// o = silu(g) · u, split across threads: silu is the elementwise SiLU (the 8-lane exp
    /// where the CPU has AVX2).
    static func swiGLU(_ g: UnsafePointer<Float>, _ u: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, _ n: Int) {
        ElementwiseKernels.mapFloat32(SiLUFunction(), g, o, n)
        Parallel.forEachChunk(n, grain: Parallel.elementwiseGrain) { r in
            for i in r { o[i] *= u[i] }
        }
    }

    /// Causal attention of several sequences' query rows, each over its own cache: sequence b
    /// owns `counts[b]` consecutive rows of `qBase` (`[ΣT, H·D]`) at positions `starts[b] ..<
    /// starts[b] + counts[b]` of `keys[b]`, `values[b]` (`[Hkv, capacities[b], D]`). One
    /// sequence of T rows is a prefill; B sequences of one row each are a decoding step. The
    /// caches hold float32, or float16 (`half`) that the C kernel widens as it reads.
    static func attention(_ qBase: UnsafePointer<Float>, keys: [UnsafeRawPointer], values: [UnsafeRawPointer], half: Bool,
                          capacities: [Int], starts: [Int], counts: [Int], out oBase: UnsafeMutablePointer<Float>,
                          heads: Int, group: Int, width d: Int) {
        // The sequence of every query row and the row's position in it.
        var sequence: [Int] = [], position: [Int] = []
        for (b, count) in counts.enumerated() {
            sequence += repeatElement(b, count: count)
            position += starts[b]..<(starts[b] + count)
        }
        let scale = Float(1 / Double(d).squareRoot())
        let level = QuantizedMatrix.Kernels.default.rawValue
        let longest = (position.max() ?? 0) + 1
        let grain = Swift.max(1, 32_768 / (longest * d * group))
        // One work item per query row and key/value head: its `group` query heads together.
        let kvHeads = heads / group
        Parallel.forEachChunk(sequence.count * kvHeads, grain: grain) { items in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: group * longest + 32 * d)
            defer { scratch.deallocate() }
            for item in items {
                let (row, g) = (item / kvHeads, item % kvHeads)
                let b = sequence[row], head = g * capacities[b] * d, visible = position[row] + 1
                let first = row * heads + g * group   // the group's first query head
                if half {
                    strata_attend_group_f16(level, qBase + first * d, Int64(group), keys[b].assumingMemoryBound(to: UInt16.self) + head,
                                            values[b].assumingMemoryBound(to: UInt16.self) + head, Int64(visible), Int64(d),
                                            scale, scratch, oBase + first * d)
                } else {
                    for r in first..<(first + group) {
                        attendRow(query: qBase + r * d, keys: keys[b].assumingMemoryBound(to: Float.self) + head,
                                  values: values[b].assumingMemoryBound(to: Float.self) + head,
                                  visible: visible, width: d, stride: d, scale: scale, scores: scratch, out: oBase + r * d)
                    }
                }
            }
        }
    }

    /// Non-causal attention within each of several sequences packed row after row: rows
    /// `starts[s] ..< starts[s + 1]` of `q`, `k` and `v` (`[N, H·D]` each) are sequence s, and each of
    /// its query rows sees every key row of its own sequence, head by head (H query and key heads).
    static func packedAttention(_ q: UnsafePointer<Float>, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>,
                                out o: UnsafeMutablePointer<Float>, starts: [Int], heads: Int, width d: Int) {
        let rows = starts.last ?? 0, stride = heads * d
        let scale = Float(1 / Double(d).squareRoot())
        var longest = 1
        for s in 0..<(starts.count - 1) { longest = Swift.max(longest, starts[s + 1] - starts[s]) }
        // The sequence each row belongs to, so that rows can be split across threads evenly.
        var owner = [Int](repeating: 0, count: rows)
        for s in 0..<(starts.count - 1) { for r in starts[s]..<starts[s + 1] { owner[r] = s } }
        let grain = Swift.max(1, 16_384 / (longest * d))
        owner.withUnsafeBufferPointer { owner in
            Parallel.forEachChunk(rows * heads, grain: grain) { items in
                let scores = UnsafeMutablePointer<Float>.allocate(capacity: longest)
                defer { scores.deallocate() }
                for item in items {
                    let (row, h) = (item / heads, item % heads)
                    let first = starts[owner[row]], count = starts[owner[row] + 1] - first
                    attendRow(query: q + row * stride + h * d, keys: k + first * stride + h * d,
                              values: v + first * stride + h * d, visible: count, width: d, stride: stride,
                              scale: scale, scores: scores, out: o + row * stride + h * d)
                }
            }
        }
    }

    /// One query head attending to the first `visible` positions of one kv head's keys and
    /// values (position j's `D` values at `keys + j·stride`, `values + j·stride`; `stride` is D
    /// for a cache's contiguous head): `out` = softmax(q·kⱼ·scale) · v. `scores` is scratch space
    /// for `visible` floats.
    @inline(__always)
    static func attendRow(query qv: UnsafePointer<Float>, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>,
                          visible: Int, width d: Int, stride: Int, scale: Float, scores: UnsafeMutablePointer<Float>,
                          out o: UnsafeMutablePointer<Float>) {
        var peak = -Float.infinity
        for j in 0..<visible {
            let s = dot(qv, k + j * stride, d) * scale
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
        for j in 0..<visible { axpy(scores[j] * inverse, v + j * stride, o, d) }
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

    static func tokenNegativeLogLikelihoods(_ l: UnsafePointer<Float>, _ targets: UnsafePointer<Int64>, _ out: UnsafeMutablePointer<Double>,
                                            rows: Int, vocabulary v: Int) {
        for r in 0..<rows {
            let p = l + r * v
            var peak = -Float.infinity
            for j in 0..<v { peak = Swift.max(peak, p[j]) }
            var sum = 0.0
            for j in 0..<v { sum += Double(Foundation.exp(p[j] - peak)) }
            out[r] = Double(peak) + Foundation.log(sum) - Double(p[Int(targets[r])])
        }
    }
}
