/// The part of Backend for recurrent cells (the fused LSTM step).
///
/// ```swift
/// x.device.backend.lstmForward(preactivations: pre, h0: h0, c0: c0, weightHH: whh, states: states, gates: gates)
/// ```
public protocol RecurrentBackend {
    /// Runs the LSTM recurrence (gates i, f, g, o): from `pre` `[B·T, 4H]` (x·W_ihᵀ + biases,
    /// batch-first), h0 and c0 `[B, H]` and weightHH `[4H, H]`, writes `states` `[T, 2, B, H]`
    /// (h_t, c_t) and the activated gates `[T, B, 4H]` that the backward pass reads.
    func lstmForward(preactivations pre: Tensor, h0: Tensor, c0: Tensor, weightHH: Tensor, states: Tensor, gates: Tensor)
    /// Backpropagation through time from dStates `[T, 2, B, H]` and the forward's states and gates:
    /// writes dPre `[B, T, 4H]` and h_{t-1} batch-first `[B, T, H]`, and the gradients of h0 and c0
    /// `[B, H]` into dh0 and dc0, which the caller zero-fills.
    func lstmBackward(stateGradient dStates: Tensor, states: Tensor, gates: Tensor, h0: Tensor, c0: Tensor, weightHH: Tensor,
                      preactivationGradient dPre: Tensor, previousHidden: Tensor, h0Gradient dh0: Tensor, c0Gradient dc0: Tensor)
}
