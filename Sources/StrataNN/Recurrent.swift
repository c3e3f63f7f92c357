import Foundation
import StrataCore

/// Weights of a stack of recurrent layers in PyTorch's layout: per layer `weight_ih.k` `[G·H, in]`,
/// `weight_hh.k` `[G·H, H]` and the two biases `[G·H]`, where G is the number of gates (4 for an
/// LSTM, 3 for a GRU), all drawn from U(-1/√H, 1/√H) as in PyTorch.
public class RecurrentLayer: Module {
    /// The number of input features of the first layer.
    public let inputSize: Int
    /// The number of features H of the hidden state.
    public let hiddenSize: Int
    /// The number of stacked layers.
    public let layerCount: Int
    /// Dropout applied to the outputs of every layer but the last, in training mode.
    public let dropout: Double
    /// Input-to-hidden weights per layer, `[G·H, in]` for the first layer and `[G·H, H]` after (key `weight_ih`).
    public let weightIH: [Tensor]
    /// Hidden-to-hidden weights per layer, `[G·H, H]` (key `weight_hh`).
    public let weightHH: [Tensor]
    /// Input-to-hidden biases per layer, `[G·H]` (key `bias_ih`); empty when created with `bias: false`.
    public let biasIH: [Tensor]
    /// Hidden-to-hidden biases per layer, `[G·H]` (key `bias_hh`); empty when created with `bias: false`.
    public let biasHH: [Tensor]
    /// The Dropout layer applied between layers (it follows `train(_:)` like any child).
    let interLayerDropout: Dropout

    init(gates: Int, inputSize: Int, hiddenSize: Int, layers: Int, bias: Bool, dropout: Double) {
        ensure(layers >= 1 && hiddenSize >= 1 && inputSize >= 1, "recurrent layer: sizes must be positive")
        ensure(dropout >= 0 && dropout < 1, "recurrent layer: dropout must be in [0, 1), got \(dropout)")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layerCount = layers
        self.dropout = dropout
        interLayerDropout = Dropout(dropout)
        let bound = 1 / Foundation.sqrt(Double(hiddenSize))
        func uniform(_ shape: Shape) -> Tensor { Tensor.uniform(shape, low: -bound, high: bound, requiresGrad: true) }
        weightIH = (0..<layers).map { uniform([gates * hiddenSize, $0 == 0 ? inputSize : hiddenSize]) }
        weightHH = (0..<layers).map { _ in uniform([gates * hiddenSize, hiddenSize]) }
        biasIH = bias ? (0..<layers).map { _ in uniform([gates * hiddenSize]) } : []
        biasHH = bias ? (0..<layers).map { _ in uniform([gates * hiddenSize]) } : []
    }

    override public func key(for property: String) -> String {
        switch property {
        case "weightIH": "weight_ih"
        case "weightHH": "weight_hh"
        case "biasIH": "bias_ih"
        case "biasHH": "bias_hh"
        default: super.key(for: property)
        }
    }

    func checkInput(_ x: Tensor, state: [Tensor]) {
        ensure(x.rank == 3 && x.shape[2] == inputSize,
                     "\(type(of: self)): input must be [batch, time, \(inputSize)], got \(x.shape)")
        for s in state {
            ensure(s.shape == Shape([layerCount, x.shape[0], hiddenSize]),
                         "\(type(of: self)): state must be [\(layerCount), \(x.shape[0]), \(hiddenSize)], got \(s.shape)")
        }
    }

    func dropBetweenLayers(_ x: Tensor, layer: Int) -> Tensor {
        layer < layerCount - 1 ? interLayerDropout(x) : x
    }
}

/// Long short-term memory over batch-first sequences (PyTorch's `nn.LSTM(batch_first=True)`):
/// several layers, dropout between them, an optional initial state in and the final state out.
/// Each layer runs as one fused primitive (`Tensor.lstm`).
///
/// ```swift
/// let lstm = LSTM(inputSize: 64, hiddenSize: 256, layers: 2, dropout: 0.1)
/// let (outputs, state) = lstm(x)              // x: [B, T, 64] -> outputs: [B, T, 256]
/// let (next, _) = lstm(more, state: state)    // carry the state on
/// ```
public final class LSTM: RecurrentLayer {
    /// Hidden and cell states, each `[layers, batch, hidden]`.
    public typealias State = (h: Tensor, c: Tensor)

    /// An LSTM of `layers` layers (default 1); `dropout` in [0, 1) applies between layers while training.
    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, bias: Bool = true, dropout: Double = 0) {
        super.init(gates: 4, inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, bias: bias, dropout: dropout)
    }

    /// The last layer's outputs `[B, T, H]` from zero states (Keras's `return_sequences`), so that
    /// an LSTM sits in a `Sequential`.
    override public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, state: nil).output }

    /// Runs over `x` `[B, T, in]` from `state` (zeros when nil); returns the last layer's outputs
    /// `[B, T, H]` and the final hidden and cell states, each `[layers, B, H]`.
    public func callAsFunction(_ x: Tensor, state: State? = nil) -> (output: Tensor, state: State) {
        checkInput(x, state: state.map { [$0.h, $0.c] } ?? [])
        let batch = x.shape[0]
        var input = x
        var hs: [Tensor] = [], cs: [Tensor] = []
        for l in 0..<layerCount {
            let h0 = state?.h[l] ?? Tensor.zeros([batch, hiddenSize], dtype: x.dtype)
            let c0 = state?.c[l] ?? Tensor.zeros([batch, hiddenSize], dtype: x.dtype)
            let states = Tensor.lstm(input, h0: h0, c0: c0, weightIH: weightIH[l], weightHH: weightHH[l],
                                     biasIH: biasIH.isEmpty ? nil : biasIH[l], biasHH: biasHH.isEmpty ? nil : biasHH[l])
            let steps = states.shape[0]
            hs.append(states[steps - 1, 0])
            cs.append(states[steps - 1, 1])
            input = dropBetweenLayers(states[.all, 0].transposed(0, 1), layer: l)
        }
        return (input, (Tensor.stacked(hs), Tensor.stacked(cs)))
    }
}

/// Gated recurrent unit over batch-first sequences (PyTorch's `nn.GRU(batch_first=True)`, gates
/// r, z, n): n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 - z) ⊙ n + z ⊙ h.
/// Written out with differentiable primitives, one step at a time after a single input projection.
///
/// ```swift
/// let gru = GRU(inputSize: 32, hiddenSize: 64)
/// let (outputs, h) = gru(x)    // x: [B, T, 32] -> outputs: [B, T, 64], h: [1, B, 64]
/// ```
public final class GRU: RecurrentLayer {
    /// A GRU of `layers` layers (default 1); `dropout` in [0, 1) applies between layers while training.
    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, bias: Bool = true, dropout: Double = 0) {
        super.init(gates: 3, inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, bias: bias, dropout: dropout)
    }

    /// The last layer's outputs `[B, T, H]` from a zero state (Keras's `return_sequences`), so that
    /// a GRU sits in a `Sequential`.
    override public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, state: nil).output }

    /// Runs over `x` `[B, T, in]` from the hidden `state` `[layers, B, H]` (zeros when nil); returns the
    /// last layer's outputs `[B, T, H]` and the final hidden state `[layers, B, H]`.
    public func callAsFunction(_ x: Tensor, state: Tensor? = nil) -> (output: Tensor, state: Tensor) {
        checkInput(x, state: state.map { [$0] } ?? [])
        let (batch, steps, n) = (x.shape[0], x.shape[1], hiddenSize)
        var input = x
        var finals: [Tensor] = []
        for l in 0..<layerCount {
            var inputProjection = Tensor.matmul(input.reshaped([-1, input.shape[2]]), weightIH[l], transposeB: true)
            if !biasIH.isEmpty { inputProjection = inputProjection + biasIH[l] }
            inputProjection = inputProjection.reshaped([batch, steps, 3 * n])
            var h = state?[l] ?? Tensor.zeros([batch, n], dtype: x.dtype)
            var outputs: [Tensor] = []
            for t in 0..<steps {
                let xi = inputProjection[.all, t, .all]
                var hh = Tensor.matmul(h, weightHH[l], transposeB: true)
                if !biasHH.isEmpty { hh = hh + biasHH[l] }
                let r = (xi[.all, 0..<n] + hh[.all, 0..<n]).sigmoid()
                let z = (xi[.all, n..<(2 * n)] + hh[.all, n..<(2 * n)]).sigmoid()
                let candidate = (xi[.all, (2 * n)..<(3 * n)] + r * hh[.all, (2 * n)..<(3 * n)]).tanh()
                h = (1 - z) * candidate + z * h
                outputs.append(h)
            }
            finals.append(h)
            input = dropBetweenLayers(Tensor.stacked(outputs, axis: 1), layer: l)
        }
        return (input, Tensor.stacked(finals))
    }
}
