/// The loops of the fused losses (see ``LossBackend``), over contiguous `[n, c]` rows.
enum LossKernels {
    static func softmaxCrossEntropy<T: FloatScalar>(_ z: UnsafePointer<T>, _ p: UnsafeMutablePointer<T>, _ loss: UnsafeMutablePointer<Double>,
                                                    _ n: Int, _ c: Int, _ labels: [Int], _ ignoreIndex: Int?, _ epsilon: Double) {
        Parallel.forEachChunk(n, grain: Swift.max(1, 16384 / Swift.max(c, 1))) { rows in
            for i in rows {
                let row = z + i * c, prob = p + i * c
                var m = row[0]
                for j in 1..<c where row[j] > m { m = row[j] }
                var s = T.zero, total = T.zero
                for j in 0..<c { let e = T.exp(row[j] - m); prob[j] = e; s += e; total += row[j] }
                let inv = 1 / s
                for j in 0..<c { prob[j] *= inv }
                guard labels[i] != ignoreIndex else { loss[i] = 0; continue }
                let lse = Double(T.log(s) + m)
                loss[i] = (1 - epsilon) * (lse - Double(row[labels[i]])) + epsilon * (lse - Double(total) / Double(c))
            }
        }
    }

    static func softmaxCrossEntropyBackward<T: FloatScalar>(_ p: UnsafePointer<T>, _ d: UnsafeMutablePointer<T>, _ n: Int, _ c: Int,
                                                            _ labels: [Int], _ ignoreIndex: Int?, _ epsilon: Double,
                                                            _ upstream: [Double], perRow: Bool, divisor: Double) {
        for i in 0..<n {
            let scale = upstream[perRow ? i : 0] / divisor
            let base = i * c
            guard labels[i] != ignoreIndex else {
                for j in 0..<c { d[base + j] = 0 }
                continue
            }
            let s = T(scale), smooth = T(epsilon / Double(c))
            for j in 0..<c { d[base + j] = s * (p[base + j] - smooth) }
            d[base + labels[i]] -= s * T(1 - epsilon)
        }
    }
}
