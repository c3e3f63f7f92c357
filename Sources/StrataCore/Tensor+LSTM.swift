extension Tensor {
    /// Runs one LSTM layer over a batch-first sequence and returns every step's states as
    /// `[T, 2, B, H]`: index 0 on the second axis is h_t, index 1 is c_t. Gates are ordered
    /// i, f, g, o as in PyTorch: `weightIH` is `[4H, I]`, `weightHH` `[4H, H]`, biases `[4H]`.
    /// Differentiable with respect to every input, including the initial states.
    ///
    /// ```swift
    /// let states = Tensor.lstm(x, h0: h0, c0: c0, weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh)
    /// let outputs = states[.all, 0].transposed(0, 1)     // [B, T, H]
    /// ```
    public static func lstm(_ x: Tensor, h0: Tensor, c0: Tensor, weightIH: Tensor, weightHH: Tensor,
                            biasIH: Tensor?, biasHH: Tensor?) -> Tensor {
        x.requireFloat("lstm")
        ensure(x.rank == 3, "lstm: input must be [batch, time, features], got \(x.shape)")
        let batch = x.shape[0], steps = x.shape[1], features = x.shape[2], hidden = weightHH.shape[1]
        ensure(weightIH.shape == Shape([4 * hidden, features]) && weightHH.shape == Shape([4 * hidden, hidden]),
                     "lstm: weights \(weightIH.shape) and \(weightHH.shape) do not fit input \(x.shape) with hidden size \(hidden)")
        ensure(h0.shape == Shape([batch, hidden]) && c0.shape == Shape([batch, hidden]),
                     "lstm: initial states \(h0.shape), \(c0.shape) must be [\(batch), \(hidden)]")
        ensure(steps > 0, "lstm: the sequence is empty")
        for t in [h0, c0, weightIH, weightHH, biasIH, biasHH].compactMap({ $0 }) {
            x.requireSameDType(t, "lstm")
            x.requireSameDevice(t, op: "lstm")
        }
        let h4 = 4 * hidden

        let xd = x.detached(), wih = weightIH.detached(), whh = weightHH.detached()
        // Input projection of every step at once: [B·T, 4H].
        let bias: Tensor? = withoutGradients {
            switch (biasIH, biasHH) {
            case let (i?, h?): i.detached() + h.detached()
            case let (i?, nil): i.detached()
            case let (nil, h?): h.detached()
            case (nil, nil): nil
            }
        }
        let pre = Tensor.linear(xd.reshaped([batch * steps, features]), weight: wih, bias: bias)
        let states = Tensor(uninitialized: [steps, 2, batch, hidden], dtype: x.dtype, device: x.device)
        let gates = Tensor(uninitialized: [steps, batch, h4], dtype: x.dtype, device: x.device)   // activated i, f, g, o

        x.backend.lstmForward(preactivations: pre, h0: h0, c0: c0, weightHH: whh, states: states, gates: gates)

        // The backward pass reads the states through a detached view: capturing `states` itself
        // would make it own (through its grad function) a closure that owns it, a retain cycle.
        let h0d = h0.detached(), c0d = c0.detached(), saved = states.detached()
        let inputs = [x, h0, c0, weightIH, weightHH] + [biasIH, biasHH].compactMap { $0 }
        return record(states, "lstm", inputs) { dStates in
            // Gradients of the pre-activations, batch-first like `pre`: [B, T, 4H].
            let dPre = Tensor(uninitialized: [batch, steps, h4], dtype: x.dtype, device: x.device)
            // h_{t-1} for every (b, t), batch-first, for the recurrent weight gradient.
            let hPrevAll = Tensor(uninitialized: [batch, steps, hidden], dtype: x.dtype, device: x.device)
            let dh0 = Tensor.zeros([batch, hidden], dtype: x.dtype, device: x.device), dc0 = Tensor.zeros([batch, hidden], dtype: x.dtype, device: x.device)
            x.backend.lstmBackward(stateGradient: dStates, states: saved, gates: gates, h0: h0d, c0: c0d, weightHH: whh,
                                   preactivationGradient: dPre, previousHidden: hPrevAll, h0Gradient: dh0, c0Gradient: dc0)
            let dPreFlat = dPre.reshaped([batch * steps, h4])
            let dx = Tensor.matmul(dPreFlat, wih).reshaped([batch, steps, features])
            let dWih = Tensor.matmul(dPreFlat, xd.reshaped([batch * steps, features]), transposeA: true)
            let dWhh = Tensor.matmul(dPreFlat, hPrevAll.reshaped([batch * steps, hidden]), transposeA: true)
            let dBias = dPreFlat.sum(axes: [0])
            var grads: [Tensor?] = [dx, dh0, dc0, dWih, dWhh]
            if biasIH != nil { grads.append(dBias) }
            if biasHH != nil { grads.append(dBias) }
            return grads
        }
    }
}
