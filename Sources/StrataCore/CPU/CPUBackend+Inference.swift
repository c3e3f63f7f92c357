import CStrataKernels

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
        let d = keys[0].shape[2], group = heads / keys[0].shape[0], dtype = keys[0].dtype
        ensure((dtype == .float32 || dtype == .float16) && (keys + values).allSatisfy { $0.dtype == dtype },
               "batchedCachedAttention: the caches must all be float32 or all float16, got \((keys + values).map(\.dtype))")
        func raw(_ t: Tensor) -> UnsafeRawPointer {
            dtype == .float16 ? UnsafeRawPointer(t.pointer(Float16.self)) : UnsafeRawPointer(t.pointer(Float.self))
        }
        InferenceKernels.attention(query.pointer(Float.self), keys: keys.map(raw), values: values.map(raw), half: dtype == .float16,
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
        switch (source.dtype, destination.dtype) {
        case (.float32, .float16):
            let s = UnsafePointer(source.pointer(Float.self)) + sourceOffset
            let d = UnsafeMutableRawPointer(destination.pointer(Float16.self)).assumingMemoryBound(to: UInt16.self) + destinationOffset
            let level = QuantizedMatrix.Kernels.default.rawValue
            for r in 0..<rows { strata_f32_to_f16_array(level, s + r * sourceStride, d + r * destinationStride, Int64(width)) }
        case let (from, to) where from == to:
            ensure(source.device == .cpu && destination.device == .cpu, "internal: copyRows of \(source.device) tensors on the CPU")
            let size = from.byteSize
            let s = source.storage.raw + sourceOffset * size, d = destination.storage.raw + destinationOffset * size
            for r in 0..<rows { (d + r * destinationStride * size).copyMemory(from: s + r * sourceStride * size, byteCount: width * size) }
        case let (from, to):
            ensureFailure("copyRows: \(from) rows cannot be copied into a \(to) tensor (same dtype, or float32 into float16)")
        }
    }

    public func tokenNegativeLogLikelihoods(logits: Tensor, targets: Tensor, into out: Tensor) {
        InferenceKernels.tokenNegativeLogLikelihoods(logits.pointer(Float.self), targets.pointer(Int64.self), out.pointer(Double.self),
                                                     rows: logits.shape[0], vocabulary: logits.shape[1])
    }
}
