extension CPUBackend {
    public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool, into out: Tensor) {
        let m = out.shape[out.rank - 2], n = out.shape[out.rank - 1]
        let k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let batchA = Shape(Array(a.shape.dims.dropLast(2))), batchB = Shape(Array(b.shape.dims.dropLast(2)))
        let batch = Shape(Array(out.shape.dims.dropLast(2)))
        let plan = BroadcastPlan(batchA, batchB, out: batch)
        let batches = batch.elementCount
        func run<T: GEMMScalar>(_: T.Type) {
            let pa = a.pointer(T.self), pb = b.pointer(T.self), pc = out.pointer(T.self)
            let lda = a.shape[a.rank - 1], ldb = b.shape[b.rank - 1]
            let strideA = a.shape[a.rank - 2] * lda, strideB = b.shape[b.rank - 2] * ldb
            let gemmOne = { (i: Int) in
                let (oa, ob) = batches == 1 ? (0, 0) : GEMMKernels.batchOffsets(plan, i)
                T.gemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, alpha: 1,
                       a: pa + oa * strideA, lda: lda, b: pb + ob * strideB, ldb: ldb, beta: 0, c: pc + i * m * n, ldc: n)
            }
            if batches > 1 && m * n * k < 1_000_000 {
                Parallel.forEachChunk(batches, grain: Swift.max(1, 200_000 / Swift.max(1, m * n * k))) { r in r.forEach(gemmOne) }
            } else {
                for i in 0..<batches { gemmOne(i) }
            }
        }
        a.dtype.dispatchFloat("matmul", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func linear(_ x: Tensor, weight: Tensor, bias: Tensor, residual: Tensor?, into out: Tensor) {
        let (rows, inputs, outputs) = (x.shape[0], weight.shape[1], weight.shape[0])
        func forward<T: GEMMScalar>(_: T.Type) {
            let o = out.pointer(T.self)
            Self.seedLinear(o, rows: rows, outputs: outputs, bias: bias.pointer(T.self), residual: residual?.pointer(T.self))
            T.gemm(transA: false, transB: true, m: rows, n: outputs, k: inputs, alpha: 1, a: x.pointer(T.self), lda: inputs,
                   b: weight.pointer(T.self), ldb: inputs, beta: 1, c: o, ldc: outputs)
        }
        x.dtype.dispatchFloat("linear", float32: { forward(Float.self) }, float64: { forward(Double.self) })
    }

    public func linear(_ x: Tensor, prepacked w: PrepackedWeight, bias: Tensor?, residual: Tensor?, into out: Tensor) {
        let o = out.pointer(Float.self), rows = x.shape[0]
        let seeded = bias != nil || residual != nil
        if seeded {
            Self.seedLinear(o, rows: rows, outputs: w.outputs, bias: bias?.pointer(Float.self), residual: residual?.pointer(Float.self))
        }
        withExtendedLifetime(x) {
            w.panels.multiply(rows: rows, a: x.pointer(Float.self), lda: w.inputs, into: o, ldc: w.outputs, accumulate: seeded)
        }
    }

    /// The seed of a linear layer's product, written by all threads: the bias, the residual, or
    /// their sum (one pass instead of two).
    static func seedLinear<T: FloatScalar>(_ o: UnsafeMutablePointer<T>, rows: Int, outputs: Int,
                                           bias b: UnsafeMutablePointer<T>?, residual r: UnsafeMutablePointer<T>?) {
        Parallel.forEachChunk(rows, grain: Swift.max(1, 16_384 / Swift.max(1, outputs))) { range in
            for row in range {
                let destination = o + row * outputs
                switch (b, r) {
                case let (b?, r?):
                    let source = r + row * outputs
                    for i in 0..<outputs { destination[i] = source[i] + b[i] }
                case let (b?, nil): destination.update(from: b, count: outputs)
                case let (nil, r?): destination.update(from: r + row * outputs, count: outputs)
                case (nil, nil): destination.update(repeating: 0, count: outputs)
                }
            }
        }
    }

    public func matmul(_ x: Tensor, packed w: PackedMatrix, activations: PackedMatrix.Activations,
                       kernels: QuantizedMatrix.Kernels, into out: Tensor) {
        withExtendedLifetime(x) {
            GEMMKernels.packedMatmul(w, x.pointer(Float.self), tokens: x.shape[0], out.pointer(Float.self),
                                     activations: activations, level: kernels.rawValue)
        }
    }

    public func matmul(_ x: Tensor, quantized w: QuantizedMatrix, kernels: QuantizedMatrix.Kernels, into out: Tensor) {
        withExtendedLifetime(x) {
            GEMMKernels.quantizedMatmul(w, x.pointer(Float.self), tokens: x.count / w.columns, out.pointer(Float.self),
                                        level: kernels.rawValue)
        }
    }

    public func matmul(_ x: Tensor, quantized ws: [QuantizedMatrix], kernels: QuantizedMatrix.Kernels, into outs: [Tensor]) {
        guard ws.count > 1, ws.allSatisfy({ $0.layout == .panels && $0.columns == ws[0].columns }) else {
            for (w, out) in zip(ws, outs) { matmul(x, quantized: w, kernels: kernels, into: out) }
            return
        }
        withExtendedLifetime(x) {
            GEMMKernels.panelMatmul(ws, x.pointer(Float.self), tokens: x.count / ws[0].columns, outs.map { $0.pointer(Float.self) },
                                    level: kernels.rawValue)
        }
    }

    public func dequantize(_ w: PackedMatrix, rows ids: [Int], into out: Tensor) {
        let p = out.pointer(Float.self), columns = w.columns
        for (i, id) in ids.enumerated() { w.dequantizeRow(id, into: p + i * columns) }
    }

    public func dequantize(_ w: QuantizedMatrix, kernels: QuantizedMatrix.Kernels, into out: Tensor) {
        let p = out.pointer(Float.self), columns = w.columns
        Parallel.forEachChunk(w.rows, grain: Swift.max(1, (1 << 16) / columns)) { range in
            for r in range { w.dequantizeRow(r, into: p + r * columns, kernels: kernels) }
        }
    }

    public func quantize(_ w: Tensor, to type: GGMLType, into bytes: UnsafeMutableRawBufferPointer) {
        let rows = w.shape[0], columns = w.shape[1]
        withExtendedLifetime(w) {
            GEMMKernels.quantizeRows(w.pointer(Float.self), rows: rows, columns: columns, type: type,
                                     into: bytes.baseAddress!, rowBytes: bytes.count / rows)
        }
    }
}
