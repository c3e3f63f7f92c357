import CStrataKernels
/// Line kernels of softmax and log-softmax over the middle axis of an `[outer, n, inner]` view.
enum SoftmaxKernels {
    /// Softmax (or log-softmax) over the middle axis of an `[outer, n, inner]` view.
    static func forward<T: FloatScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                        outer: Int, n: Int, inner: Int, log: Bool) {
        Parallel.forEachChunk(outer * inner, grain: Swift.max(1, 8192 / Swift.max(n, 1))) { r in
            for line in r {
                let o = line / inner, i = line % inner
                let base = o * n * inner + i
                var m = -T.infinity
                for j in 0..<n where x[base + j * inner] > m { m = x[base + j * inner] }
                if m == -T.infinity { m = 0 }
                var s = T.zero
                for j in 0..<n {
                    let e = T.exp(x[base + j * inner] - m)
                    y[base + j * inner] = e
                    s += e
                }
                if log {
                    let ls = T.log(s) + m
                    for j in 0..<n { y[base + j * inner] = x[base + j * inner] - ls }
                } else {
                    let inv = 1 / s
                    for j in 0..<n { y[base + j * inner] *= inv }
                }
            }
        }
    }

    /// softmax: dx = y (g - Σ g y);  log-softmax: dx = g - e^y Σ g.
    static func backward<T: FloatScalar>(_ g: UnsafePointer<T>, _ y: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                         outer: Int, n: Int, inner: Int, log: Bool) {
        Parallel.forEachChunk(outer * inner, grain: Swift.max(1, 8192 / Swift.max(n, 1))) { r in
            for line in r {
                let o = line / inner, i = line % inner
                let base = o * n * inner + i
                var s = T.zero
                if log {
                    for j in 0..<n { s += g[base + j * inner] }
                    for j in 0..<n { let k = base + j * inner; dx[k] = g[k] - T.exp(y[k]) * s }
                } else {
                    for j in 0..<n { let k = base + j * inner; s += g[k] * y[k] }
                    for j in 0..<n { let k = base + j * inner; dx[k] = y[k] * (g[k] - s) }
                }
            }
        }
    }
}

/// Row kernels of the fused layer norm: each row of `n` elements is normalised on its own.
enum LayerNormKernels {
    /// y = (x - mean) · rstd · w + b per row; saves mean and rstd for the backward pass.
    static func forward<T: FloatScalar>(_ x: UnsafeMutablePointer<T>, _ w: UnsafeMutablePointer<T>?, _ b: UnsafeMutablePointer<T>?,
                                        _ y: UnsafeMutablePointer<T>, mean: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>,
                                        rows: Int, n: Int, epsilon: T) {
        Parallel.forEachChunk(rows, grain: Swift.max(1, 8192 / n)) { range in
            for r in range {
                let xr = x + r * n, yr = y + r * n
                if T.self == Float.self, strata_layer_norm_row_f32(
                    float32Pointer(xr), w.map(float32Pointer), b.map(float32Pointer), Int64(n), unsafeBitCast(epsilon, to: Float.self),
                    float32Pointer(yr), float32Pointer(mean + r), float32Pointer(rstd + r)) != 0 {
                    continue
                }
                var sum: T = 0
                for j in 0..<n { sum += xr[j] }
                let mu = sum / T(n)
                var squares: T = 0
                for j in 0..<n { let d = xr[j] - mu; squares += d * d }
                let s = 1 / T.sqrt(squares / T(n) + epsilon)
                mean[r] = mu
                rstd[r] = s
                switch (w, b) {
                case let (w?, b?): for j in 0..<n { yr[j] = (xr[j] - mu) * s * w[j] + b[j] }
                case let (w?, nil): for j in 0..<n { yr[j] = (xr[j] - mu) * s * w[j] }
                default: for j in 0..<n { yr[j] = (xr[j] - mu) * s }
                }
            }
        }
    }

    /// dx = rstd · (ĝ - mean(ĝ) - x̂ · mean(ĝ·x̂)) with ĝ = g·w, and dw = Σ g·x̂, db = Σ g over rows.
    static func backward<T: FloatScalar>(_ g: UnsafeMutablePointer<T>, _ x: UnsafeMutablePointer<T>, _ w: UnsafeMutablePointer<T>?,
                                         mean: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>,
                                         dx: UnsafeMutablePointer<T>, dw: UnsafeMutablePointer<T>, db: UnsafeMutablePointer<T>,
                                         rows: Int, n: Int) {
        let chunks = Swift.max(1, Swift.min(Parallel.threadCount, rows / Swift.max(1, 4096 / n)))
        let per = (rows + chunks - 1) / chunks
        // One partial dw/db per chunk, summed at the end, so the chunks never share a write.
        let partial = UnsafeMutablePointer<T>.allocate(capacity: 2 * n * chunks)
        partial.initialize(repeating: 0, count: 2 * n * chunks)
        defer { partial.deallocate() }
        Parallel.forEachChunk(chunks, grain: 1) { chunkRange in
            for c in chunkRange {
                let pw = partial + 2 * n * c, pb = pw + n
                for r in (c * per)..<Swift.min(rows, (c + 1) * per) {
                    let xr = x + r * n, gr = g + r * n, dxr = dx + r * n
                    let mu = mean[r], s = rstd[r]
                    if T.self == Float.self, strata_layer_norm_backward_row_f32(
                        float32Pointer(gr), float32Pointer(xr), w.map(float32Pointer), unsafeBitCast(mu, to: Float.self), unsafeBitCast(s, to: Float.self),
                        Int64(n), float32Pointer(dxr), float32Pointer(pw), float32Pointer(pb)) != 0 {
                        continue
                    }
                    var sumG: T = 0, sumGX: T = 0
                    for j in 0..<n {
                        let xhat = (xr[j] - mu) * s
                        let gh = gr[j] * (w?[j] ?? 1)
                        sumG += gh
                        sumGX += gh * xhat
                        pw[j] += gr[j] * xhat
                        pb[j] += gr[j]
                    }
                    let meanG = sumG / T(n), meanGX = sumGX / T(n)
                    for j in 0..<n {
                        let xhat = (xr[j] - mu) * s
                        dxr[j] = s * (gr[j] * (w?[j] ?? 1) - meanG - xhat * meanGX)
                    }
                }
            }
        }
        for j in 0..<n {
            var sw: T = 0, sb: T = 0
            for c in 0..<chunks { sw += partial[2 * n * c + j]; sb += partial[2 * n * c + n + j] }
            dw[j] = sw
            db[j] = sb
        }
    }
}
