extension CPUBackend {
    public func broadcast(_ x: Tensor, into out: Tensor) {
        struct Broadcast: ScalarKernel {
            let x: Tensor, out: Tensor
            func run<T: TensorScalar>(_: T.Type) {
                let p = x.pointer(T.self)
                BroadcastKernels.binary(BroadcastPlan(x.shape, x.shape, out: out.shape), p, p, out.pointer(T.self)) { v, _ in v }
            }
        }
        x.dtype.dispatchAny(Broadcast(x: x, out: out))
    }

    public func permute(_ x: Tensor, order: [Int], into out: Tensor) {
        let inStrides = x.shape.strides
        let srcStrides = order.map { inStrides[$0] }
        let dims = out.shape.dims
        let inner = dims.last ?? 1, innerStride = srcStrides.last ?? 1
        let rows = out.count / Swift.max(inner, 1)
        let source = x.storage.raw, destination = out.storage.raw
        // Moves bit patterns: the element size is all that matters.
        func run<T>(_: T.Type) {
            let src = source.assumingMemoryBound(to: T.self), dst = destination.assumingMemoryBound(to: T.self)
            Parallel.forEachChunk(rows, grain: Swift.max(1, Parallel.elementwiseGrain / Swift.max(inner, 1))) { r in
                for row in r {
                    var rem = row, off = 0
                    var i = dims.count - 2
                    while i >= 0 { off += (rem % dims[i]) * srcStrides[i]; rem /= dims[i]; i -= 1 }
                    let d = dst + row * inner
                    for j in 0..<inner { d[j] = src[off + j * innerStride] }
                }
            }
        }
        switch x.dtype.byteSize {
        case 8: run(UInt64.self)
        case 4: run(UInt32.self)
        case 2: run(UInt16.self)
        default: run(UInt8.self)
        }
    }

    public func copySlice(of full: Tensor, outer: Int, axisLength: Int, inner: Int, start: Int, step: Int,
                          taken: Int, into part: Tensor) {
        LayoutKernels.slice(full.storage.raw, part.storage.raw, elementSize: full.dtype.byteSize, outer: outer, n: axisLength,
                            inner: inner, start: start, step: step, taken: taken, scatter: false)
    }

    public func writeSlice(_ part: Tensor, outer: Int, axisLength: Int, inner: Int, start: Int, step: Int,
                           taken: Int, into full: Tensor) {
        LayoutKernels.slice(full.storage.raw, part.storage.raw, elementSize: full.dtype.byteSize, outer: outer, n: axisLength,
                            inner: inner, start: start, step: step, taken: taken, scatter: true)
    }

    public func indexSelect(_ x: Tensor, outer: Int, axisLength n: Int, inner: Int, indices idx: [Int], into out: Tensor) {
        let rowBytes = inner * x.dtype.byteSize
        let src = x.storage.raw, dst = out.storage.raw
        Parallel.forEachChunk(outer * idx.count, grain: Swift.max(1, (1 << 16) / Swift.max(rowBytes, 1))) { r in
            for k in r {
                let o = k / idx.count, j = k % idx.count
                (dst + (o * idx.count + j) * rowBytes).copyMemory(from: src + (o * n + idx[j]) * rowBytes, byteCount: rowBytes)
            }
        }
    }

    public func indexAdd(_ source: Tensor, outer: Int, axisLength n: Int, inner: Int, indices idx: [Int], into out: Tensor) {
        func run<T: FloatScalar>(_: T.Type) {
            let d = out.pointer(T.self), s = source.pointer(T.self)
            for o in 0..<outer {
                for (j, row) in idx.enumerated() {
                    let dr = d + (o * n + row) * inner, sr = s + (o * idx.count + j) * inner
                    for i in 0..<inner { dr[i] += sr[i] }
                }
            }
        }
        out.dtype.dispatchFloat("indexAdd", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func gather(_ x: Tensor, outer: Int, axisLength n: Int, inner: Int, taken m: Int, index idx: [Int], into out: Tensor) {
        let source = x.storage.raw, destination = out.storage.raw
        func run<T>(_: T.Type) {
            let s = source.assumingMemoryBound(to: T.self), d = destination.assumingMemoryBound(to: T.self)
            for o in 0..<outer {
                for j in 0..<m {
                    for i in 0..<inner {
                        let k = (o * m + j) * inner + i
                        d[k] = s[(o * n + idx[k]) * inner + i]
                    }
                }
            }
        }
        switch x.dtype.byteSize { case 8: run(UInt64.self); case 4: run(UInt32.self); case 2: run(UInt16.self); default: run(UInt8.self) }
    }

    public func scatterAdd(_ source: Tensor, outer: Int, axisLength n: Int, inner: Int, taken m: Int, index idx: [Int], into out: Tensor) {
        func run<T: FloatScalar>(_: T.Type) {
            let d = out.pointer(T.self), s = source.pointer(T.self)
            for o in 0..<outer {
                for j in 0..<m {
                    for i in 0..<inner {
                        let k = (o * m + j) * inner + i
                        d[(o * n + idx[k]) * inner + i] += s[k]
                    }
                }
            }
        }
        out.dtype.dispatchFloat("scatterAdd", float32: { run(Float.self) }, float64: { run(Double.self) })
    }
}

enum LayoutKernels {
    /// part[o, j, i] = full[o, start + j*step, i] (or the reverse when `scatter`), rows of
    /// `inner` elements of `elementSize` bytes.
    static func slice(_ full: UnsafeMutableRawPointer, _ part: UnsafeMutableRawPointer, elementSize: Int,
                      outer: Int, n: Int, inner: Int, start: Int, step: Int, taken: Int, scatter: Bool) {
        let rowBytes = inner * elementSize
        Parallel.forEachChunk(outer, grain: Swift.max(1, (1 << 18) / Swift.max(1, taken * rowBytes))) { r in
            for o in r {
                for j in 0..<taken {
                    let f = full + ((o * n + start + j * step) * inner) * elementSize
                    let p = part + ((o * taken + j) * inner) * elementSize
                    if scatter { f.copyMemory(from: p, byteCount: rowBytes) } else { p.copyMemory(from: f, byteCount: rowBytes) }
                }
            }
        }
    }
}
