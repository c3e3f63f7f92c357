import Foundation
import StrataCore

/// A learned position embedding: one vector per position up to `context` (GPT-2's `wpe`).
///
/// ```swift
/// let positions = LearnedPositionEmbedding(context: 128, width: 64)
/// let p = positions(count: 10, offset: 0)   // [10, 64], added to the token embeddings
/// ```
public final class LearnedPositionEmbedding: Module, PackedWeightLayer {
    /// The position table `[context, width]`, initialised N(0, std²).
    public let weight: Tensor
    /// When set, positions are read from these int8/int4 codes instead of `weight`.
    public var packedWeight: PackedMatrix?

    /// A table for `context` positions of `width` features, drawn from N(0, std²) (std default 0.02).
    public init(context: Int, width: Int, std: Double = 0.02) {
        weight = Tensor.normal([context, width], std: std, requiresGrad: true)
    }

    /// Vectors for positions `offset ..< offset + count`.
    public func callAsFunction(count: Int, offset: Int = 0) -> Tensor {
        ensure(offset + count <= weight.shape[0],
                     "LearnedPositionEmbedding: positions up to \(offset + count) exceed the context of \(weight.shape[0])")
        if let packedWeight { return packedWeight.gatherRows(Array(offset..<(offset + count))) }   // [count, width]
        return weight[offset..<(offset + count)]
    }
}

/// The fixed sinusoidal position encoding of Vaswani et al. (2017):
/// PE(p, 2i) = sin(p / 10000^(2i/d)), PE(p, 2i+1) = cos(p / 10000^(2i/d)). Not trained and not saved.
///
/// ```swift
/// let encoding = SinusoidalPositionEncoding(context: 512, width: 64)
/// let p = encoding(count: 10)   // [10, 64]
/// ```
public final class SinusoidalPositionEncoding {
    /// The precomputed encodings `[context, width]`.
    public let table: Tensor

    /// Computes the encodings of `context` positions with `width` features.
    public init(context: Int, width: Int) {
        var values = [Float](repeating: 0, count: context * width)
        for p in 0..<context {
            for i in stride(from: 0, to: width, by: 2) {
                let angle = Double(p) / Foundation.pow(10000, Double(i) / Double(width))
                values[p * width + i] = Float(Foundation.sin(angle))
                if i + 1 < width { values[p * width + i + 1] = Float(Foundation.cos(angle)) }
            }
        }
        table = Tensor(values, shape: [context, width])
    }

    /// Encodings of positions `offset ..< offset + count`.
    public func callAsFunction(count: Int, offset: Int = 0) -> Tensor {
        ensure(offset + count <= table.shape[0],
                     "SinusoidalPositionEncoding: positions up to \(offset + count) exceed the context of \(table.shape[0])")
        return table[offset..<(offset + count)]
    }
}
