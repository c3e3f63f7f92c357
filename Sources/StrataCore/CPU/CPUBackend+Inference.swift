extension CPUBackend {
    public func rmsNorm(_ x: Tensor, weight: Tensor, epsilon: Double, into out: Tensor) {
        InferenceKernels.rmsNorm(x.pointer(Float.self), weight.pointer(Float.self), out.pointer(Float.self),
                                 rows: x.shape[0], width: x.shape[1], epsilon: epsilon)
    }

    public func rotaryEmbedding(_ x: Tensor, heads: Int, cos: Tensor, sin: Tensor, pairing: RotaryPairing) {
        let half = cos.shape[1]
        InferenceKernels.rotary(x.pointer(Float.self), rows: x.shape[0], heads: heads, half: half,
                                cos: cos.pointer(Float.self), sin: sin.pointer(Float.self), adjacent: pairing == .adjacent)
    }

    public func swiGLU(gate: Tensor, up: Tensor, into out: Tensor) {
        InferenceKernels.swiGLU(gate.pointer(Float.self), up.pointer(Float.self), out.pointer(Float.self), out.count)
    }

    public func batchedCachedAttention(query: Tensor, keys: [Tensor], values: [Tensor], starts: [Int], counts: [Int],
                                       heads: Int, into out: Tensor) {
        let d = keys[0].shape[2], group = heads / keys[0].shape[0]
        InferenceKernels.attention(query.pointer(Float.self), keys: keys.map { UnsafePointer($0.pointer(Float.self)) },
                                   values: values.map { UnsafePointer($0.pointer(Float.self)) },
                                   capacities: keys.map { $0.shape[1] }, starts: starts, counts: counts,
                                   out: out.pointer(Float.self), heads: heads, group: group, width: d)
    }

    public func packedAttention(query: Tensor, key: Tensor, value: Tensor, sequenceStarts starts: [Int], heads: Int,
                                into out: Tensor) {
        InferenceKernels.packedAttention(query.pointer(Float.self), keys: key.pointer(Float.self), values: value.pointer(Float.self),
                                         out: out.pointer(Float.self), starts: starts, heads: heads,
                                         width: query.shape[1] / heads)
    }

    public func copyRows(_ source: Tensor, sourceOffset: Int, sourceStride: Int, into destination: Tensor,
                         destinationOffset: Int, destinationStride: Int, rows: Int, width: Int) {
        func run<T: FloatScalar>(_: T.Type) {
            let s = source.pointer(T.self) + sourceOffset, d = destination.pointer(T.self) + destinationOffset
            for r in 0..<rows { (d + r * destinationStride).update(from: s + r * sourceStride, count: width) }
        }
        source.dtype.dispatchFloat("copyRows", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func tokenNegativeLogLikelihoods(logits: Tensor, targets: Tensor, into out: Tensor) {
        InferenceKernels.tokenNegativeLogLikelihoods(logits.pointer(Float.self), targets.pointer(Int64.self), out.pointer(Double.self),
                                                     rows: logits.shape[0], vocabulary: logits.shape[1])
    }
}
