/// Row kernels of the fused layer norm: each row of `n` elements is normalised on its own.
enum LayerNormKernels {
    /// y = (x - mean) · rstd · w + b per row; saves mean and rstd for the backward pass.
    static func forward<T: FloatScalar>(_ x: UnsafeMutablePointer<T>, _ w: UnsafeMutablePointer<T>?, _ b: UnsafeMutablePointer<T>?,
                                        _ y: UnsafeMutablePointer<T>, mean: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>,
                                        rows: Int, n: Int, epsilon: T) {
        Parallel.forEachChunk(rows, grain: Swift.max(1, 8192 / n)) { range in
            for r in range {
                let xr = x + r * n, yr = y + r * n
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

extension Tensor {
    /// Layer normalisation over the last axis, fused: one pass forward, one pass backward,
    /// no intermediate tensors on the tape. `weight` and `bias` have the last axis's size.
    ///
    /// ```swift
    /// let y = x.layerNorm(weight: gamma, bias: beta)   // x: [B, T, C], gamma/beta: [C]
    /// ```
    public func layerNorm(weight: Tensor?, bias: Tensor?, epsilon: Double = 1e-5) -> Tensor {
        requireFloat("layerNorm")
        ensure(rank >= 1, "layerNorm: input must have at least one axis")
        let n = shape[rank - 1], rows = count / Swift.max(n, 1)
        for p in [weight, bias].compactMap({ $0 }) {
            ensure(p.shape == Shape([n]), "layerNorm: weight/bias shape \(p.shape) does not match the last axis of \(shape) ([\(n)])")
            requireSameDType(p, "layerNorm")
        }
        let out = Tensor(uninitialized: shape, dtype: dtype)
        let mean = Tensor(uninitialized: [rows], dtype: dtype), rstd = Tensor(uninitialized: [rows], dtype: dtype)
        func forward<T: FloatScalar>(_: T.Type) {
            LayerNormKernels.forward(pointer(T.self), weight?.pointer(T.self), bias?.pointer(T.self), out.pointer(T.self),
                                     mean: mean.pointer(T.self), rstd: rstd.pointer(T.self), rows: rows, n: n, epsilon: T(epsilon))
        }
        if dtype == .float32 { forward(Float.self) } else { forward(Double.self) }

        let x = detached(), w = weight?.detached()
        let inputs = [self] + [weight, bias].compactMap { $0 }
        return Tensor.record(out, "layerNorm", inputs) { g in
            let dx = Tensor(uninitialized: x.shape, dtype: x.dtype)
            let dw = Tensor(uninitialized: [n], dtype: x.dtype), db = Tensor(uninitialized: [n], dtype: x.dtype)
            func backward<T: FloatScalar>(_: T.Type) {
                LayerNormKernels.backward(g.pointer(T.self), x.pointer(T.self), w?.pointer(T.self),
                                          mean: mean.pointer(T.self), rstd: rstd.pointer(T.self),
                                          dx: dx.pointer(T.self), dw: dw.pointer(T.self), db: db.pointer(T.self), rows: rows, n: n)
            }
            if x.dtype == .float32 { backward(Float.self) } else { backward(Double.self) }
            var grads: [Tensor?] = [dx]
            if weight != nil { grads.append(dw) }
            if bias != nil { grads.append(db) }
            return grads
        }
    }
}
