import Foundation
import StrataCore

extension Llama {
    /// The keys and values of the positions a model has seen, per layer, for incremental
    /// decoding: each call to `hiddenStates`/`logits` with the cache appends its positions.
    ///
    /// Stored as `[kvHeads, capacity, headWidth]` per layer, so that one head's keys are
    /// contiguous; the capacity doubles as positions arrive, up to the model's context. The
    /// elements are float16 by default, as in llama.cpp (half the memory; keys and values are
    /// rounded to float16 as they are stored, and attention computes in float32), or float32.
    ///
    /// ```swift
    /// let cache = Llama.Cache(model.config)
    /// _ = model.logits(promptIDs, cache: cache)
    /// let next = model.logits([id], cache: cache)     // attends to the prompt too
    /// let exact = Llama.Cache(model.config, dtype: .float32)
    /// ```
    public final class Cache {
        /// The number of layers cached (the model's `layers`).
        public let layers: Int
        /// Key/value heads per layer (the model's `kvHeads`).
        public let kvHeads: Int
        /// The width of one head (the model's `headWidth`).
        public let headWidth: Int
        /// The most positions it can hold (the model's context).
        public let maximumLength: Int
        /// The stored keys' and values' type: float16 or float32.
        public let dtype: DType
        /// Positions cached so far.
        public internal(set) var length = 0
        private(set) var capacity = 0
        /// Per layer, `[kvHeads, capacity, headWidth]` of `dtype`.
        private(set) var keys: [Tensor] = []
        private(set) var values: [Tensor] = []

        /// An empty cache for a model of `config`'s shape, storing `dtype` (float16 or float32).
        public init(_ config: Config, dtype: DType = .float16) {
            ensure(dtype == .float16 || dtype == .float32, "Llama.Cache: keys and values are stored as float16 or float32, not \(dtype)")
            self.dtype = dtype
            layers = config.layers
            kvHeads = config.kvHeads
            headWidth = config.headWidth
            maximumLength = config.context
        }

        /// Forgets every position.
        public func reset() { length = 0 }

        /// Keeps the first `count` positions (to recompute the rest).
        public func truncate(to count: Int) {
            ensure(count >= 0 && count <= length, "Llama.Cache: cannot truncate \(length) positions to \(count)")
            length = count
        }

        /// Makes room for `count` positions in every layer at once (a cache that grows doubles,
        /// copying), up to ``maximumLength``.
        ///
        /// ```swift
        /// let cache = Llama.Cache(model.config)
        /// cache.reserve(prompt.count + maxTokens)
        /// ```
        public func reserve(_ count: Int) {
            ensure(count <= maximumLength, "Llama.Cache: \(count) positions exceed the context of \(maximumLength)")
            guard count > capacity else { return }
            let newCapacity = Swift.min(maximumLength, Swift.max(count, Swift.max(64, capacity * 2)))
            let d = headWidth
            func grown(_ old: Tensor?) -> Tensor {
                let p = Tensor.empty([kvHeads, newCapacity, d], dtype: dtype)
                // Each head's first `length` positions: [kvHeads, capacity, D] -> [kvHeads, newCapacity, D].
                if let old, length > 0 {
                    p.device.backend.copyRows(old, sourceOffset: 0, sourceStride: capacity * d, into: p, destinationOffset: 0,
                                              destinationStride: newCapacity * d, rows: kvHeads, width: length * d)
                }
                return p
            }
            keys = (0..<layers).map { grown(keys.isEmpty ? nil : keys[$0]) }
            values = (0..<layers).map { grown(values.isEmpty ? nil : values[$0]) }
            capacity = newCapacity
        }

        /// Stores rows `rows` of `[N, kvHeads·D]` float32 keys and values as positions `start ..<
        /// start + rows.count` of `layer` (rounded to float16 in a float16 cache).
        func write(layer: Int, keys k: Tensor, values v: Tensor, rows: Range<Int>, at start: Int) {
            let d = headWidth
            ensure(k.rank == 2 && k.shape[1] == kvHeads * d && v.shape == k.shape && rows.upperBound <= k.shape[0]
                   && start + rows.count <= capacity,
                   "Llama.Cache: rows \(rows) of keys \(k.shape) and values \(v.shape) do not fit at \(start) (capacity \(capacity))")
            ensure(k.dtype == .float32 && v.dtype == .float32, "Llama.Cache: keys and values must be float32, got \(k.dtype), \(v.dtype)")
            for (source, target) in [(k, keys[layer]), (v, values[layer])] {
                // Head g of the rows ([N, kvHeads·D]) to positions start... of head g ([kvHeads, capacity, D]).
                for g in 0..<kvHeads {
                    source.device.backend.copyRows(source, sourceOffset: rows.lowerBound * kvHeads * d + g * d, sourceStride: kvHeads * d,
                                                   into: target, destinationOffset: (g * capacity + start) * d, destinationStride: d,
                                                   rows: rows.count, width: d)
                }
            }
        }
    }
}
