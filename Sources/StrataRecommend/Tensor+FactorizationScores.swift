import StrataCore

extension Tensor {
    /// Biased matrix-factorisation scores in one fused step:
    /// `out[b] = offset + userBias[u_b] + itemBias[i_b] + ⟨userFactors[u_b], itemFactors[i_b]⟩`.
    /// Differentiable in the four tables; the backward adds each sample's gradient into the
    /// rows it read (a scatter-add), without materialising the gathered rows.
    ///
    /// ```swift
    /// let p = Tensor.normal([3, 2]), q = Tensor.normal([4, 2])
    /// let s = Tensor.factorizationScores(users: [0, 2], items: [3, 3], userFactors: p, itemFactors: q,
    ///                                    userBias: Tensor.zeros([3]), itemBias: Tensor.zeros([4]), offset: 3.5)   // [2]
    /// ```
    public static func factorizationScores(users: [Int32], items: [Int32], userFactors: Tensor, itemFactors: Tensor,
                                           userBias: Tensor, itemBias: Tensor, offset: Double = 0) -> Tensor {
        let (p, q, bu, bi) = (userFactors, itemFactors, userBias, itemBias)
        ensure(p.rank == 2 && q.rank == 2 && p.shape[1] == q.shape[1],
                     "factorizationScores: factor tables must be [users, k] and [items, k], got \(p.shape) and \(q.shape)")
        ensure(bu.shape == [p.shape[0]] && bi.shape == [q.shape[0]],
                     "factorizationScores: biases \(bu.shape), \(bi.shape) must be [\(p.shape[0])] and [\(q.shape[0])]")
        ensure(users.count == items.count, "factorizationScores: \(users.count) users but \(items.count) items")
        ensure([q, bu, bi].allSatisfy { $0.dtype == p.dtype } && p.dtype.isFloatingPoint,
                     "factorizationScores: the tables must share one float dtype")
        checkIndices(users, below: p.shape[0], "user")
        checkIndices(items, below: q.shape[0], "item")
        let k = p.shape[1], n = users.count
        let out = Tensor.empty([n], dtype: p.dtype)
        func forward<T: FloatScalar>(_: T.Type) {
            p.withUnsafeBuffer(as: T.self) { p in q.withUnsafeBuffer(as: T.self) { q in
            bu.withUnsafeBuffer(as: T.self) { bu in bi.withUnsafeBuffer(as: T.self) { bi in
            out.withUnsafeMutableBuffer(as: T.self) { o in
                let c = T(offset)
                for b in 0..<n {
                    let u = Int(users[b]), i = Int(items[b])
                    var dot: T = 0
                    for j in 0..<k { dot += p[u * k + j] * q[i * k + j] }
                    o[b] = c + bu[u] + bi[i] + dot
                }
            } } } } }
        }
        p.dtype == .float32 ? forward(Float.self) : forward(Double.self)
        return recordOperation("factorizationScores", output: out, inputs: [p, q, bu, bi]) { g in
            let gp = Tensor.zeros(like: p), gq = Tensor.zeros(like: q), gbu = Tensor.zeros(like: bu), gbi = Tensor.zeros(like: bi)
            func backward<T: FloatScalar>(_: T.Type) {
                p.withUnsafeBuffer(as: T.self) { p in q.withUnsafeBuffer(as: T.self) { q in
                g.withUnsafeBuffer(as: T.self) { g in
                gp.withUnsafeMutableBuffer(as: T.self) { gp in gq.withUnsafeMutableBuffer(as: T.self) { gq in
                gbu.withUnsafeMutableBuffer(as: T.self) { gbu in gbi.withUnsafeMutableBuffer(as: T.self) { gbi in
                    for b in 0..<n {
                        let u = Int(users[b]), i = Int(items[b]), gb = g[b]
                        gbu[u] += gb
                        gbi[i] += gb
                        for j in 0..<k {
                            gp[u * k + j] += gb * q[i * k + j]
                            gq[i * k + j] += gb * p[u * k + j]
                        }
                    }
                } } } } } } }
            }
            p.dtype == .float32 ? backward(Float.self) : backward(Double.self)
            return [gp, gq, gbu, gbi]
        }
    }

    /// The sum of squared entries of the rows `rows` of this table (a row counted once per
    /// mention): the per-sample L2 penalty of embedding models. 1-D tables have one-element rows.
    ///
    /// ```swift
    /// let penalty = userFactors.squaredNormOfRows([0, 0, 5])   // scalar: 2·|P₀|² + |P₅|²
    /// ```
    public func squaredNormOfRows(_ rows: [Int32]) -> Tensor {
        ensure(rank == 1 || rank == 2, "squaredNormOfRows: table must be 1-D or 2-D, got \(shape)")
        ensure(dtype.isFloatingPoint, "squaredNormOfRows: table must be float, got \(dtype)")
        Tensor.checkIndices(rows, below: shape[0], "row")
        let width = rank == 2 ? shape[1] : 1
        let table = self
        func total<T: FloatScalar>(_: T.Type) -> Double {
            withUnsafeBuffer(as: T.self) { t in
                var s: T = 0
                for r in rows {
                    let base = Int(r) * width
                    for j in 0..<width { s += t[base + j] * t[base + j] }
                }
                return Double(s)
            }
        }
        let value = dtype == .float32 ? total(Float.self) : total(Double.self)
        let out = Tensor.full([], value: value, dtype: dtype)
        return Tensor.recordOperation("squaredNormOfRows", output: out, inputs: [self]) { g in
            let grad = Tensor.zeros(like: table)
            func backward<T: FloatScalar>(_: T.Type) {
                let scale = 2 * T(g.item())
                table.withUnsafeBuffer(as: T.self) { t in grad.withUnsafeMutableBuffer(as: T.self) { d in
                    for r in rows {
                        let base = Int(r) * width
                        for j in 0..<width { d[base + j] += scale * t[base + j] }
                    }
                } }
            }
            table.dtype == .float32 ? backward(Float.self) : backward(Double.self)
            return [grad]
        }
    }

    static func checkIndices(_ indices: [Int32], below bound: Int, _ what: String) {
        for v in indices {
            ensure(v >= 0 && Int(v) < bound, "\(what) index \(v) is out of range 0..<\(bound)")
        }
    }
}
