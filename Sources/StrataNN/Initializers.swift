import Foundation
import StrataCore

/// How a weight tensor is initialised. Fan-in and fan-out follow PyTorch: for a
/// `[out, in, k...]` weight, fanIn = in·k..., fanOut = out·k....
///
/// ```swift
/// let layer = Linear(256, 128, initializer: .kaimingNormal)
/// ```
public enum Initializer: Sendable {
    /// PyTorch's default for Linear and Conv: U(-1/√fanIn, 1/√fanIn) (kaiming_uniform with a = √5).
    case pytorchDefault
    /// Glorot: U(-a, a), a = √(6 / (fanIn + fanOut)).
    case xavierUniform
    /// Glorot: N(0, 2 / (fanIn + fanOut)).
    case xavierNormal
    /// He, for ReLU: U(-a, a), a = √(6 / fanIn).
    case kaimingUniform
    /// He, for ReLU: N(0, 2 / fanIn).
    case kaimingNormal
    /// N(0, std²).
    case normal(std: Double)
    case zeros

    /// A new parameter tensor of `shape`, drawn from the global generator (see `Tensor.manualSeed`).
    public func make(_ shape: Shape) -> Tensor {
        let receptive = shape.dims.dropFirst(2).reduce(1, *)
        let fanIn = shape.rank >= 2 ? shape[1] * receptive : shape.elementCount
        let fanOut = shape.rank >= 2 ? shape[0] * receptive : shape.elementCount
        let t: Tensor
        switch self {
        case .pytorchDefault:
            let b = 1 / Foundation.sqrt(Double(Swift.max(fanIn, 1)))
            t = Tensor.uniform(shape, low: -b, high: b)
        case .xavierUniform:
            let a = Foundation.sqrt(6 / Double(fanIn + fanOut))
            t = Tensor.uniform(shape, low: -a, high: a)
        case .xavierNormal:
            t = Tensor.normal(shape, std: Foundation.sqrt(2 / Double(fanIn + fanOut)))
        case .kaimingUniform:
            let a = Foundation.sqrt(6 / Double(Swift.max(fanIn, 1)))
            t = Tensor.uniform(shape, low: -a, high: a)
        case .kaimingNormal:
            t = Tensor.normal(shape, std: Foundation.sqrt(2 / Double(Swift.max(fanIn, 1))))
        case .normal(let std):
            t = Tensor.normal(shape, std: std)
        case .zeros:
            t = Tensor.zeros(shape)
        }
        t.requiresGrad = true
        return t
    }
}

/// A bias vector with PyTorch's default U(-1/√fanIn, 1/√fanIn).
func defaultBias(_ count: Int, fanIn: Int) -> Tensor {
    let b = 1 / Foundation.sqrt(Double(Swift.max(fanIn, 1)))
    return Tensor.uniform([count], low: -b, high: b, requiresGrad: true)
}
