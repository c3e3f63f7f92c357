extension CPUBackend {
    public func factorizationScores(users: Tensor, items: Tensor, userFactors: Tensor, itemFactors: Tensor, userBias: Tensor,
                                    itemBias: Tensor, offset: Double, into out: Tensor) {
        let k = userFactors.shape[1], n = users.count
        let u = users.pointer(Int32.self), i = items.pointer(Int32.self)
        func run<T: FloatScalar>(_: T.Type) {
            SparseKernels.factorizationScores(u, i, n, k, userFactors.pointer(T.self), itemFactors.pointer(T.self),
                                              userBias.pointer(T.self), itemBias.pointer(T.self), T(offset), out.pointer(T.self))
        }
        userFactors.dtype.dispatchFloat("factorizationScores", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func factorizationScoresBackward(upstream: Tensor, users: Tensor, items: Tensor, userFactors: Tensor, itemFactors: Tensor,
                                            userFactorsGradient: Tensor, itemFactorsGradient: Tensor, userBiasGradient: Tensor,
                                            itemBiasGradient: Tensor) {
        let k = userFactors.shape[1], n = users.count
        let u = users.pointer(Int32.self), i = items.pointer(Int32.self)
        func run<T: FloatScalar>(_: T.Type) {
            SparseKernels.factorizationScoresBackward(u, i, n, k, upstream.pointer(T.self), userFactors.pointer(T.self),
                                                      itemFactors.pointer(T.self), userFactorsGradient.pointer(T.self),
                                                      itemFactorsGradient.pointer(T.self), userBiasGradient.pointer(T.self),
                                                      itemBiasGradient.pointer(T.self))
        }
        userFactors.dtype.dispatchFloat("factorizationScoresBackward", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func squaredNormOfRows(_ table: Tensor, rows: Tensor, into out: Tensor) {
        let width = table.rank == 2 ? table.shape[1] : 1
        let r = UnsafeBufferPointer(start: rows.pointer(Int32.self), count: rows.count)
        func run<T: FloatScalar>(_: T.Type) {
            out.pointer(T.self)[0] = SparseKernels.squaredNormOfRows(table.pointer(T.self), r, width)
        }
        table.dtype.dispatchFloat("squaredNormOfRows", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func squaredNormOfRowsBackward(upstream: Tensor, table: Tensor, rows: Tensor, into gradient: Tensor) {
        let width = table.rank == 2 ? table.shape[1] : 1
        let r = UnsafeBufferPointer(start: rows.pointer(Int32.self), count: rows.count)
        let g = upstream.item()
        func run<T: FloatScalar>(_: T.Type) {
            SparseKernels.squaredNormOfRowsBackward(2 * T(g), table.pointer(T.self), r, width, gradient.pointer(T.self))
        }
        table.dtype.dispatchFloat("squaredNormOfRowsBackward", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func sparseDenseProduct(rowStart: Tensor, columnIndex: Tensor, values: Tensor, _ x: Tensor, into out: Tensor) {
        let rows = rowStart.count - 1, k = x.shape[1]
        let start = rowStart.pointer(Int64.self), columns = columnIndex.pointer(Int32.self)
        func run<T: FloatScalar>(_: T.Type) {
            SparseKernels.sparseDenseProduct(start, columns, values.pointer(T.self), rows, k, x.pointer(T.self), out.pointer(T.self))
        }
        x.dtype.dispatchFloat("sparseDenseProduct", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func rowDotProducts(_ table: Tensor, left: Tensor, right: Tensor, into out: Tensor) {
        let k = table.shape[1], n = left.count
        let a = left.pointer(Int32.self), b = right.pointer(Int32.self)
        func run<T: FloatScalar>(_: T.Type) {
            SparseKernels.rowDotProducts(table.pointer(T.self), k, a, b, n, out.pointer(T.self))
        }
        table.dtype.dispatchFloat("rowDotProducts", float32: { run(Float.self) }, float64: { run(Double.self) })
    }
}
