import StrataCore

/// A layer whose weight matrix can be swapped for packed int8/int4 codes (``PackedMatrix``) for
/// inference: `Linear`, `Conv2D`, `Embedding` and `LearnedPositionEmbedding`. The float `weight`
/// stays (training and any code that reads it directly still see the quantised values when a
/// loader fills it with `packedWeight.dequantized()`); the layer's own products read the codes.
///
/// ```swift
/// let fc = Linear(784, 256)
/// fc.packedWeight = try PackedMatrix.quantize(fc.weight, scheme: .int8)
/// let y = fc(x)   // int8 weights, float activations
/// ```
public protocol PackedWeightLayer: Module {
    var weight: Tensor { get }
    var packedWeight: PackedMatrix? { get set }
}
