/// The per-element update loops of the optimizers (see ``OptimizerBackend``), over contiguous
/// parameter, gradient and state buffers of `n` elements.
enum OptimizerKernels {
    static func sgd<T: FloatScalar>(_ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ buffer: UnsafeMutablePointer<T>?, _ n: Int,
                                    first: Bool, lr: T, mu: T, wd: T, damp: T, nesterov: Bool) {
        for i in 0..<n {
            var d = g[i] + wd * p[i]
            if mu > 0, let b = buffer {
                b[i] = first ? d : mu * b[i] + (1 - damp) * d
                d = nesterov ? d + mu * b[i] : b[i]
            }
            p[i] -= lr * d
        }
    }

    static func adam<T: FloatScalar & SIMDScalar>(_ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ m: UnsafeMutablePointer<T>,
                                                  _ v: UnsafeMutablePointer<T>, _ n: Int, b1: T, b2: T, eps: T, stepSize: T,
                                                  invRootC2: T, decay: T, l2: T) {
        Parallel.forEachChunk(n, grain: 1 << 15) { range in
            var i = range.lowerBound
            // Eight lanes at a time (vector multiply, add, divide and square root) ...
            while i + 8 <= range.upperBound {
                var pv = load(p + i), mv = load(m + i), vv = load(v + i)
                let gv = load(g + i) + l2 * pv
                pv *= decay
                mv = b1 * mv + (1 - b1) * gv
                vv = b2 * vv + (1 - b2) * gv * gv
                pv -= stepSize * mv / (vv.squareRoot() * invRootC2 + eps)
                store(pv, p + i); store(mv, m + i); store(vv, v + i)
                i += 8
            }
            // ... and the same update for the remainder.
            while i < range.upperBound {
                let gi = g[i] + l2 * p[i]
                p[i] *= decay
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                p[i] -= stepSize * m[i] / (v[i].squareRoot() * invRootC2 + eps)
                i += 1
            }
        }
    }

    /// `gradAvg` and `momentum` may alias `square` when unused (`centered`, `useMomentum` false).
    static func rmsProp<T: FloatScalar>(_ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ square: UnsafeMutablePointer<T>,
                                        _ gradAvg: UnsafeMutablePointer<T>, _ momentum: UnsafeMutablePointer<T>, _ n: Int,
                                        a: T, eps: T, wd: T, mu: T, lr: T, centered: Bool, useMomentum: Bool) {
        for i in 0..<n {
            let gi = g[i] + wd * p[i]
            square[i] = a * square[i] + (1 - a) * gi * gi
            var avg = square[i]
            if centered { gradAvg[i] = a * gradAvg[i] + (1 - a) * gi; avg -= gradAvg[i] * gradAvg[i] }
            let denom = avg.squareRoot() + eps
            if useMomentum { momentum[i] = mu * momentum[i] + gi / denom; p[i] -= lr * momentum[i] } else { p[i] -= lr * gi / denom }
        }
    }

    static func adagrad<T: FloatScalar>(_ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ sum: UnsafeMutablePointer<T>, _ n: Int,
                                        clr: T, eps: T, wd: T) {
        for i in 0..<n {
            let gi = g[i] + wd * p[i]
            sum[i] += gi * gi
            p[i] -= clr * gi / (sum[i].squareRoot() + eps)
        }
    }

    /// Unaligned loads and stores of eight consecutive elements.
    @inline(__always) static func load<T: SIMDScalar>(_ p: UnsafeMutablePointer<T>) -> SIMD8<T> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
    }
    @inline(__always) static func load<T: SIMDScalar>(_ p: UnsafePointer<T>) -> SIMD8<T> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
    }
    @inline(__always) static func store<T: SIMDScalar>(_ value: SIMD8<T>, _ p: UnsafeMutablePointer<T>) {
        UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD8<T>.self)
    }
}
