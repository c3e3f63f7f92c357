/// Geometry of a 2-D window sliding over an image: kernel, stride, padding, dilation.
public struct Window2D: Sendable, Equatable {
    public var kernel: (Int, Int)
    public var stride: (Int, Int)
    public var padding: (Int, Int)
    public var dilation: (Int, Int)

    public init(kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1)) {
        ensure(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0 && padding.0 >= 0 && padding.1 >= 0,
                     "Window2D: kernel \(kernel), stride \(stride), dilation \(dilation) must be positive and padding \(padding) non-negative")
        self.kernel = kernel; self.stride = stride; self.padding = padding; self.dilation = dilation
    }

    /// Output height and width for an input of height `h` and width `w`.
    public func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        ((h + 2 * padding.0 - dilation.0 * (kernel.0 - 1) - 1) / stride.0 + 1,
         (w + 2 * padding.1 - dilation.1 * (kernel.1 - 1) - 1) / stride.1 + 1)
    }

    public static func == (l: Window2D, r: Window2D) -> Bool {
        l.kernel == r.kernel && l.stride == r.stride && l.padding == r.padding && l.dilation == r.dilation
    }
}

enum ConvolutionKernels {
    /// The output columns `xo` whose input column `xo*stride - padding + offset` lies in `0..<w`.
    @inline(__always)
    static func validColumns(ow: Int, w: Int, stride: Int, padding: Int, offset: Int) -> Range<Int> {
        // xo*stride + shift in [0, w) with shift = offset - padding
        let shift = offset - padding
        let low = shift >= 0 ? 0 : (-shift + stride - 1) / stride
        let high = w - 1 - shift < 0 ? 0 : Swift.min(ow, (w - 1 - shift) / stride + 1)
        return low < high ? low..<high : 0..<0
    }

    /// cols[(c*kh + i)*kw + j, n*OH*OW + oh*OW + ow] = x[n, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw] (0 outside).
    static func im2col<T: FloatScalar>(_ x: UnsafePointer<T>, _ cols: UnsafeMutablePointer<T>,
                                       n: Int, c: Int, h: Int, w: Int, window: Window2D, oh: Int, ow: Int) {
        let (kh, kw) = window.kernel, (sh, sw) = window.stride, (ph, pw) = window.padding, (dh, dw) = window.dilation
        let plane = oh * ow, width = n * plane
        Parallel.forEachChunk(c * kh * kw, grain: 1) { rows in
            for r in rows {
                let ch = r / (kh * kw), ki = (r / kw) % kh, kj = r % kw
                let valid = validColumns(ow: ow, w: w, stride: sw, padding: pw, offset: kj * dw)
                let shift = kj * dw - pw
                let dst = cols + r * width
                for b in 0..<n {
                    let src = x + (b * c + ch) * h * w
                    for y in 0..<oh {
                        let iy = y * sh - ph + ki * dh
                        let row = dst + b * plane + y * ow
                        if iy < 0 || iy >= h || valid.isEmpty { row.initialize(repeating: 0, count: ow); continue }
                        let srow = src + iy * w + shift
                        for xo in 0..<valid.lowerBound { row[xo] = 0 }
                        if sw == 1 {
                            (row + valid.lowerBound).update(from: srow + valid.lowerBound, count: valid.count)
                        } else {
                            for xo in valid { row[xo] = srow[xo * sw] }
                        }
                        for xo in valid.upperBound..<ow { row[xo] = 0 }
                    }
                }
            }
        }
    }

    /// The adjoint of im2col: dx[n, c, iy, ix] += cols[...] (parallel over channels, which write disjoint planes).
    static func col2im<T: FloatScalar>(_ cols: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                       n: Int, c: Int, h: Int, w: Int, window: Window2D, oh: Int, ow: Int) {
        let (kh, kw) = window.kernel, (sh, sw) = window.stride, (ph, pw) = window.padding, (dh, dw) = window.dilation
        let plane = oh * ow, width = n * plane
        Parallel.forEachChunk(c, grain: 1) { channels in
            for ch in channels {
                for b in 0..<n { (dx + (b * c + ch) * h * w).initialize(repeating: 0, count: h * w) }
                for ki in 0..<kh {
                    for kj in 0..<kw {
                        let valid = validColumns(ow: ow, w: w, stride: sw, padding: pw, offset: kj * dw)
                        if valid.isEmpty { continue }
                        let shift = kj * dw - pw
                        let src = cols + ((ch * kh + ki) * kw + kj) * width
                        for b in 0..<n {
                            let dst = dx + (b * c + ch) * h * w
                            for y in 0..<oh {
                                let iy = y * sh - ph + ki * dh
                                if iy < 0 || iy >= h { continue }
                                let row = src + b * plane + y * ow, drow = dst + iy * w + shift
                                for xo in valid { drow[xo * sw] += row[xo] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// [A, B, P] -> [B, A, P] block transpose (channel-major GEMM output to NCHW and back).
    static func swapLeadingAxes<T>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, a: Int, b: Int, p: Int) {
        Parallel.forEachChunk(a * b, grain: Swift.max(1, 16384 / Swift.max(p, 1))) { r in
            for k in r {
                let i = k / b, j = k % b
                (dst + (j * a + i) * p).update(from: src + (i * b + j) * p, count: p)
            }
        }
    }
}

extension Tensor {
    /// 2-D convolution (cross-correlation, as in PyTorch) of an `[N, C, H, W]` input with
    /// `[O, C, kh, kw]` weights, plus an optional `[O]` bias.
    ///
    /// ```swift
    /// let y = x.conv2d(weight, bias: b, stride: (1, 1), padding: (1, 1))   // [N, O, H, W]
    /// ```
    public func conv2d(_ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                       padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1)) -> Tensor {
        requireFloat("conv2d")
        requireSameDType(weight, "conv2d")
        ensure(rank == 4, "conv2d: input must be [N, C, H, W], got \(shape)")
        ensure(weight.rank == 4, "conv2d: weight must be [O, C, kh, kw], got \(weight.shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        ensure(weight.shape[1] == c, "conv2d: input has \(c) channels (shape \(shape)) but weight expects \(weight.shape[1]) (shape \(weight.shape))")
        let window = Window2D(kernel: (kh, kw), stride: stride, padding: padding, dilation: dilation)
        let (oh, ow) = window.outputSize(h, w)
        ensure(oh > 0 && ow > 0, "conv2d: input \(shape) is too small for kernel (\(kh), \(kw)) with padding \(padding) and dilation \(dilation)")
        let ckk = c * kh * kw, cols = n * oh * ow
        let colBuffer = Tensor(uninitialized: [ckk, cols], dtype: dtype)
        let out = Tensor(uninitialized: [n, o, oh, ow], dtype: dtype)
        func forward<T: GEMMScalar>(_: T.Type) {
            ConvolutionKernels.im2col(pointer(T.self), colBuffer.pointer(T.self), n: n, c: c, h: h, w: w, window: window, oh: oh, ow: ow)
            let channelMajor = UnsafeMutablePointer<T>.allocate(capacity: o * cols)
            defer { channelMajor.deallocate() }
            T.gemm(transA: false, transB: false, m: o, n: cols, k: ckk, alpha: 1, a: weight.pointer(T.self), lda: ckk,
                   b: colBuffer.pointer(T.self), ldb: cols, beta: 0, c: channelMajor, ldc: cols)
            ConvolutionKernels.swapLeadingAxes(channelMajor, out.pointer(T.self), a: o, b: n, p: oh * ow)
        }
        if dtype == .float32 { forward(Float.self) } else { forward(Double.self) }
        let wv = weight.detached(), inputShape = shape, weightShape = weight.shape
        let result = Tensor.record(out, "conv2d", [self, weight]) { g in
            let dx = Tensor(uninitialized: inputShape, dtype: g.dtype)
            let dw = Tensor(uninitialized: weightShape, dtype: g.dtype)
            func backward<T: GEMMScalar>(_: T.Type) {
                let gT = UnsafeMutablePointer<T>.allocate(capacity: o * cols)   // [O, N*OH*OW]
                defer { gT.deallocate() }
                ConvolutionKernels.swapLeadingAxes(g.pointer(T.self), gT, a: n, b: o, p: oh * ow)
                T.gemm(transA: false, transB: true, m: o, n: ckk, k: cols, alpha: 1, a: gT, lda: cols,
                       b: colBuffer.pointer(T.self), ldb: cols, beta: 0, c: dw.pointer(T.self), ldc: ckk)
                let dCols = UnsafeMutablePointer<T>.allocate(capacity: ckk * cols)
                defer { dCols.deallocate() }
                T.gemm(transA: true, transB: false, m: ckk, n: cols, k: o, alpha: 1, a: wv.pointer(T.self), lda: ckk,
                       b: gT, ldb: cols, beta: 0, c: dCols, ldc: cols)
                ConvolutionKernels.col2im(dCols, dx.pointer(T.self), n: n, c: c, h: h, w: w, window: window, oh: oh, ow: ow)
            }
            if g.dtype == .float32 { backward(Float.self) } else { backward(Double.self) }
            return [dx, dw]
        }
        guard let bias else { return result }
        ensure(bias.shape == [o], "conv2d: bias must have shape [\(o)], got \(bias.shape)")
        return result + bias.reshaped([1, o, 1, 1])
    }
}
