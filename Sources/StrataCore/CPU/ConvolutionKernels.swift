/// The CPU kernels of convolution and pooling: im2col and its adjoint, the block transpose
/// between channel-major GEMM output and NCHW, and max/average pooling forward and backward.
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
                                if sw == 1 {   // contiguous: a loop the compiler vectorises
                                    let d = drow + valid.lowerBound, s = row + valid.lowerBound
                                    for i in 0..<valid.count { d[i] += s[i] }
                                } else {
                                    for xo in valid { drow[xo * sw] += row[xo] }
                                }
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

    /// Max pooling of `planes` planes `[h, w]` to `[oh, ow]`: y holds each window's maximum and
    /// arg its index in the plane (-1 for a window entirely in the padding).
    static func maxPool<T: FloatScalar>(_ x: UnsafeMutablePointer<T>, _ y: UnsafeMutablePointer<T>, _ arg: UnsafeMutablePointer<Int32>,
                                        planes: Int, h: Int, w: Int, oh: Int, ow: Int, window: Window2D) {
        let (kh, kw) = window.kernel, (sh, sw) = window.stride, (ph, pw) = window.padding, (dh, dw) = window.dilation
        let simple = ph == 0 && pw == 0 && dh == 1 && dw == 1
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

    /// The adjoint of max pooling: d[plane, idx] += g for every output position (d zeroed by the caller).
    static func maxPoolBackward<T: FloatScalar>(_ gp: UnsafeMutablePointer<T>, _ idx: UnsafeMutablePointer<Int32>, _ d: UnsafeMutablePointer<T>,
                                                planes: Int, h: Int, w: Int, oh: Int, ow: Int) {
        Parallel.forEachChunk(planes, grain: 64) { r in
            for p in r {
                for k in 0..<(oh * ow) where idx[p * oh * ow + k] >= 0 {
                    d[p * h * w + Int(idx[p * oh * ow + k])] += gp[p * oh * ow + k]
                }
            }
        }
    }

    /// Visits each (output index, input index) pair inside the windows of plane p (average pooling).
    @inline(__always)
    static func forEachTap(_ p: Int, h: Int, w: Int, oh: Int, ow: Int, window: Window2D, _ body: (Int, Int) -> Void) {
        let kernel = window.kernel, padding = window.padding
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

    /// Average pooling (zero padding counted in the average): y = Σ x·scale over each window.
    static func avgPool<T: FloatScalar>(_ x: UnsafeMutablePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int,
                                        planes: Int, h: Int, w: Int, oh: Int, ow: Int, window: Window2D, scale: Double) {
        y.initialize(repeating: 0, count: count)
        Parallel.forEachChunk(planes, grain: 16) { r in
            for p in r { forEachTap(p, h: h, w: w, oh: oh, ow: ow, window: window) { o, i in y[o] += x[i] * T(scale) } }
        }
    }

    /// The adjoint of average pooling: d[i] += g[o]·scale for every tap (d zeroed by the caller).
    static func avgPoolBackward<T: FloatScalar>(_ gp: UnsafeMutablePointer<T>, _ d: UnsafeMutablePointer<T>,
                                                planes: Int, h: Int, w: Int, oh: Int, ow: Int, window: Window2D, scale: Double) {
        Parallel.forEachChunk(planes, grain: 16) { r in
            for p in r { forEachTap(p, h: h, w: w, oh: oh, ow: ow, window: window) { o, i in d[i] += gp[o] * T(scale) } }
        }
    }
}
