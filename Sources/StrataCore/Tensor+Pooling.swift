extension Tensor {
    /// 2-D max pooling over `[N, C, H, W]` (padding counts as -infinity). The gradient goes
    /// to the position of each window's maximum.
    ///
    /// ```swift
    /// let y = x.maxPool2d(kernel: (2, 2))   // stride defaults to the kernel
    /// ```
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          dilation: (Int, Int) = (1, 1)) -> Tensor {
        requireFloat("maxPool2d")
        ensure(rank == 4, "maxPool2d: input must be [N, C, H, W], got \(shape)")
        let window = Window2D(kernel: kernel, stride: stride ?? kernel, padding: padding, dilation: dilation)
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let (oh, ow) = window.outputSize(h, w)
        ensure(oh > 0 && ow > 0, "maxPool2d: input \(shape) is too small for kernel \(kernel)")
        let out = Tensor(uninitialized: [shape[0], shape[1], oh, ow], dtype: dtype)
        let argmax = UnsafeMutableBufferPointer<Int32>.allocate(capacity: planes * oh * ow)
        let holder = ArgmaxHolder(argmax)
        let (kh, kw) = window.kernel, (sh, sw) = window.stride, (ph, pw) = window.padding, (dh, dw) = window.dilation
        let simple = ph == 0 && pw == 0 && dh == 1 && dw == 1
        func run<T: FloatScalar>(_: T.Type) {
            let x = pointer(T.self), y = out.pointer(T.self), arg = argmax.baseAddress!
            Parallel.forEachChunk(planes, grain: Swift.max(1, 4096 / Swift.max(1, oh * ow))) { r in
                for p in r {
                    let src = x + p * h * w
                    if simple && kh == 2 && kw == 2 && sh == 2 && sw == 2 {
                        // The common 2x2/stride-2 window, branch-free (selects, not jumps): the
                        // position of the maximum in real data is too irregular to predict.
                        for i in 0..<oh {
                            let top = 2 * i * w
                            for j in 0..<ow {
                                let k = top + 2 * j
                                let a = src[k], b = src[k + 1], c = src[k + w], d = src[k + w + 1]
                                let upper = a >= b ? a : b, upperIndex = a >= b ? k : k + 1
                                let lower = c >= d ? c : d, lowerIndex = c >= d ? k + w : k + w + 1
                                let takeUpper = upper >= lower
                                y[(p * oh + i) * ow + j] = takeUpper ? upper : lower
                                arg[(p * oh + i) * ow + j] = Int32(takeUpper ? upperIndex : lowerIndex)
                            }
                        }
                        continue
                    }
                    for i in 0..<oh {
                        for j in 0..<ow {
                            var best = -T.infinity, bestIndex: Int32 = -1
                            if simple {
                                // Every tap is inside the image.
                                let base = i * sh * w + j * sw
                                for ki in 0..<kh {
                                    for kj in 0..<kw {
                                        let k = base + ki * w + kj
                                        if src[k] > best || bestIndex < 0 { best = src[k]; bestIndex = Int32(k) }
                                    }
                                }
                            } else {
                                for ki in 0..<kh {
                                    let iy = i * sh - ph + ki * dh
                                    if iy < 0 || iy >= h { continue }
                                    for kj in 0..<kw {
                                        let ix = j * sw - pw + kj * dw
                                        if ix < 0 || ix >= w { continue }
                                        let v = src[iy * w + ix]
                                        if v > best || bestIndex < 0 { best = v; bestIndex = Int32(iy * w + ix) }
                                    }
                                }
                            }
                            y[(p * oh + i) * ow + j] = best
                            arg[(p * oh + i) * ow + j] = bestIndex
                        }
                    }
                }
            }
        }
        if dtype == .float32 { run(Float.self) } else { run(Double.self) }
        let inputShape = shape
        return Tensor.record(out, "maxPool2d", [self]) { g in
            let dx = Tensor.zeros(inputShape, dtype: g.dtype)
            func back<T: FloatScalar>(_: T.Type) {
                let gp = g.pointer(T.self), d = dx.pointer(T.self), idx = holder.indices
                Parallel.forEachChunk(planes, grain: 64) { r in
                    for p in r {
                        for k in 0..<(oh * ow) where idx[p * oh * ow + k] >= 0 {
                            d[p * h * w + Int(idx[p * oh * ow + k])] += gp[p * oh * ow + k]
                        }
                    }
                }
            }
            if g.dtype == .float32 { back(Float.self) } else { back(Double.self) }
            return [dx]
        }
    }

    /// 2-D average pooling over `[N, C, H, W]`; zero padding is counted in the average
    /// (PyTorch's default `count_include_pad=True`).
    ///
    /// ```swift
    /// let y = x.avgPool2d(kernel: (2, 2))
    /// ```
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        requireFloat("avgPool2d")
        ensure(rank == 4, "avgPool2d: input must be [N, C, H, W], got \(shape)")
        let window = Window2D(kernel: kernel, stride: stride ?? kernel, padding: padding)
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let (oh, ow) = window.outputSize(h, w)
        ensure(oh > 0 && ow > 0, "avgPool2d: input \(shape) is too small for kernel \(kernel)")
        let scale = 1.0 / Double(kernel.0 * kernel.1)
        let out = Tensor(uninitialized: [shape[0], shape[1], oh, ow], dtype: dtype)
        /// Visits each (output index, input index) pair inside the windows of plane p.
        @inline(__always) func forEachTap(_ p: Int, _ body: (Int, Int) -> Void) {
            for i in 0..<oh {
                for j in 0..<ow {
                    for ki in 0..<kernel.0 {
                        let iy = i * window.stride.0 - padding.0 + ki
                        if iy < 0 || iy >= h { continue }
                        for kj in 0..<kernel.1 {
                            let ix = j * window.stride.1 - padding.1 + kj
                            if ix >= 0 && ix < w { body((p * oh + i) * ow + j, p * h * w + iy * w + ix) }
                        }
                    }
                }
            }
        }
        func run<T: FloatScalar>(_: T.Type) {
            let x = pointer(T.self), y = out.pointer(T.self)
            y.initialize(repeating: 0, count: out.count)
            Parallel.forEachChunk(planes, grain: 16) { r in
                for p in r { forEachTap(p) { o, i in y[o] += x[i] * T(scale) } }
            }
        }
        if dtype == .float32 { run(Float.self) } else { run(Double.self) }
        let inputShape = shape
        return Tensor.record(out, "avgPool2d", [self]) { g in
            let dx = Tensor.zeros(inputShape, dtype: g.dtype)
            func back<T: FloatScalar>(_: T.Type) {
                let gp = g.pointer(T.self), d = dx.pointer(T.self)
                Parallel.forEachChunk(planes, grain: 16) { r in
                    for p in r { forEachTap(p) { o, i in d[i] += gp[o] * T(scale) } }
                }
            }
            if g.dtype == .float32 { back(Float.self) } else { back(Double.self) }
            return [dx]
        }
    }
}

/// Owns the argmax positions that max pooling keeps for its backward pass.
final class ArgmaxHolder: @unchecked Sendable {
    // @unchecked Sendable: written once by the forward pass, read only by its backward.
    let indices: UnsafeMutableBufferPointer<Int32>
    init(_ indices: UnsafeMutableBufferPointer<Int32>) { self.indices = indices }
    deinit { indices.deallocate() }
}
