extension CPUBackend {
    public func conv2d(_ x: Tensor, weight: Tensor, window: Window2D, columns colBuffer: Tensor, into out: Tensor) {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let o = weight.shape[0], (oh, ow) = (out.shape[2], out.shape[3])
        let ckk = colBuffer.shape[0], cols = colBuffer.shape[1]
        func forward<T: GEMMScalar>(_: T.Type) {
            ConvolutionKernels.im2col(x.pointer(T.self), colBuffer.pointer(T.self), n: n, c: c, h: h, w: w, window: window, oh: oh, ow: ow)
            let channelMajor = UnsafeMutablePointer<T>.allocate(capacity: o * cols)
            defer { channelMajor.deallocate() }
            T.gemm(transA: false, transB: false, m: o, n: cols, k: ckk, alpha: 1, a: weight.pointer(T.self), lda: ckk,
                   b: colBuffer.pointer(T.self), ldb: cols, beta: 0, c: channelMajor, ldc: cols)
            ConvolutionKernels.swapLeadingAxes(channelMajor, out.pointer(T.self), a: o, b: n, p: oh * ow)
        }
        x.dtype.dispatchFloat("conv2d", float32: { forward(Float.self) }, float64: { forward(Double.self) })
    }

    public func conv2dBackward(gradient g: Tensor, weight wv: Tensor, columns colBuffer: Tensor, window: Window2D,
                               inputGradient dx: Tensor?, weightGradient dw: Tensor) {
        let n = g.shape[0], o = g.shape[1], (oh, ow) = (g.shape[2], g.shape[3])
        let ckk = colBuffer.shape[0], cols = colBuffer.shape[1]
        func backward<T: GEMMScalar>(_: T.Type) {
            let gT = UnsafeMutablePointer<T>.allocate(capacity: o * cols)   // [O, N*OH*OW]
            defer { gT.deallocate() }
            ConvolutionKernels.swapLeadingAxes(g.pointer(T.self), gT, a: n, b: o, p: oh * ow)
            T.gemm(transA: false, transB: true, m: o, n: ckk, k: cols, alpha: 1, a: gT, lda: cols,
                   b: colBuffer.pointer(T.self), ldb: cols, beta: 0, c: dw.pointer(T.self), ldc: ckk)
            guard let dx else { return }
            let (c, h, w) = (dx.shape[1], dx.shape[2], dx.shape[3])
            let dCols = UnsafeMutablePointer<T>.allocate(capacity: ckk * cols)
            defer { dCols.deallocate() }
            T.gemm(transA: true, transB: false, m: ckk, n: cols, k: o, alpha: 1, a: wv.pointer(T.self), lda: ckk,
                   b: gT, ldb: cols, beta: 0, c: dCols, ldc: cols)
            ConvolutionKernels.col2im(dCols, dx.pointer(T.self), n: n, c: c, h: h, w: w, window: window, oh: oh, ow: ow)
        }
        g.dtype.dispatchFloat("conv2d backward", float32: { backward(Float.self) }, float64: { backward(Double.self) })
    }

    public func patches(_ x: Tensor, window: Window2D, into out: Tensor) {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = window.outputSize(h, w)
        let ckk = out.shape[1], positions = out.shape[0]
        let columns = Tensor(uninitialized: [ckk, positions], dtype: .float32, device: .cpu)   // [C·kh·kw, N·OH·OW]
        ConvolutionKernels.im2col(x.pointer(Float.self), columns.pointer(Float.self), n: n, c: c, h: h, w: w,
                                  window: window, oh: oh, ow: ow)
        let src = columns.pointer(Float.self), dst = out.pointer(Float.self)
        let tile = 32
        Parallel.forEachChunk((positions + tile - 1) / tile, grain: 1) { blocks in
            for b in blocks {
                let p0 = b * tile, p1 = Swift.min(positions, p0 + tile)
                for k in 0..<ckk {
                    let row = src + k * positions
                    for p in p0..<p1 { dst[p * ckk + k] = row[p] }
                }
            }
        }
        withExtendedLifetime((x, columns)) {}
    }

    public func maxPool2d(_ x: Tensor, window: Window2D, into out: Tensor, indices: Tensor) {
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = (out.shape[2], out.shape[3])
        x.dtype.dispatchFloat("maxPool2d",
            float32: { ConvolutionKernels.maxPool(x.pointer(Float.self), out.pointer(Float.self), indices.pointer(Int32.self),
                                                  planes: planes, h: h, w: w, oh: oh, ow: ow, window: window) },
            float64: { ConvolutionKernels.maxPool(x.pointer(Double.self), out.pointer(Double.self), indices.pointer(Int32.self),
                                                  planes: planes, h: h, w: w, oh: oh, ow: ow, window: window) })
    }

    public func maxPool2dBackward(gradient g: Tensor, indices: Tensor, into dx: Tensor) {
        let (planes, h, w) = (dx.shape[0] * dx.shape[1], dx.shape[2], dx.shape[3])
        let (oh, ow) = (g.shape[2], g.shape[3])
        g.dtype.dispatchFloat("maxPool2d backward",
            float32: { ConvolutionKernels.maxPoolBackward(g.pointer(Float.self), indices.pointer(Int32.self), dx.pointer(Float.self),
                                                          planes: planes, h: h, w: w, oh: oh, ow: ow) },
            float64: { ConvolutionKernels.maxPoolBackward(g.pointer(Double.self), indices.pointer(Int32.self), dx.pointer(Double.self),
                                                          planes: planes, h: h, w: w, oh: oh, ow: ow) })
    }

    public func avgPool2d(_ x: Tensor, window: Window2D, into out: Tensor) {
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = (out.shape[2], out.shape[3])
        let scale = 1.0 / Double(window.kernel.0 * window.kernel.1)
        x.dtype.dispatchFloat("avgPool2d",
            float32: { ConvolutionKernels.avgPool(x.pointer(Float.self), out.pointer(Float.self), count: out.count,
                                                  planes: planes, h: h, w: w, oh: oh, ow: ow, window: window, scale: scale) },
            float64: { ConvolutionKernels.avgPool(x.pointer(Double.self), out.pointer(Double.self), count: out.count,
                                                  planes: planes, h: h, w: w, oh: oh, ow: ow, window: window, scale: scale) })
    }

    public func avgPool2dBackward(gradient g: Tensor, window: Window2D, into dx: Tensor) {
        let (planes, h, w) = (dx.shape[0] * dx.shape[1], dx.shape[2], dx.shape[3])
        let (oh, ow) = (g.shape[2], g.shape[3])
        let scale = 1.0 / Double(window.kernel.0 * window.kernel.1)
        g.dtype.dispatchFloat("avgPool2d backward",
            float32: { ConvolutionKernels.avgPoolBackward(g.pointer(Float.self), dx.pointer(Float.self),
                                                          planes: planes, h: h, w: w, oh: oh, ow: ow, window: window, scale: scale) },
            float64: { ConvolutionKernels.avgPoolBackward(g.pointer(Double.self), dx.pointer(Double.self),
                                                          planes: planes, h: h, w: w, oh: oh, ow: ow, window: window, scale: scale) })
    }
}
