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
        let n = users.count
        let userIndex = Tensor(users), itemIndex = Tensor(items)
        let out = Tensor.empty([n], dtype: p.dtype)
        p.device.backend.factorizationScores(users: userIndex, items: itemIndex, userFactors: p, itemFactors: q,
                                             userBias: bu, itemBias: bi, offset: offset, into: out)
        return recordOperation("factorizationScores", output: out, inputs: [p, q, bu, bi]) { g in
            let gp = Tensor.zeros(like: p), gq = Tensor.zeros(like: q), gbu = Tensor.zeros(like: bu), gbi = Tensor.zeros(like: bi)
            p.device.backend.factorizationScoresBackward(upstream: g, users: userIndex, items: itemIndex, userFactors: p,
                                                         itemFactors: q, userFactorsGradient: gp, itemFactorsGradient: gq,
                                                         userBiasGradient: gbu, itemBiasGradient: gbi)
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
        let table = self, rowIndex = Tensor(rows)
        let out = Tensor.empty([], dtype: dtype)
        device.backend.squaredNormOfRows(table, rows: rowIndex, into: out)
        return Tensor.recordOperation("squaredNormOfRows", output: out, inputs: [self]) { g in
            let grad = Tensor.zeros(like: table)
            table.device.backend.squaredNormOfRowsBackward(upstream: g, table: table, rows: rowIndex, into: grad)
            return [grad]
        }
    }

    static func checkIndices(_ indices: [Int32], below bound: Int, _ what: String) {
        for v in indices {
            ensure(v >= 0 && Int(v) < bound, "\(what) index \(v) is out of range 0..<\(bound)")
        }
    }
}
