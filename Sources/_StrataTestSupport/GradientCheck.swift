import StrataCore

/// Compares the autodiff gradient of `f` at `inputs` with central finite differences,
/// in float64. Returns the largest error relative to max(1, |numeric|), per input.
///
/// ```swift
/// let err = gradientCheck([Tensor.normal([3, 4], dtype: .float64)]) { x in x[0].tanh().sum() }
/// #expect(err < 1e-6)
/// ```
public func gradientCheck(_ inputs: [Tensor], epsilon: Double = 1e-6, _ f: ([Tensor]) -> Tensor) -> Double {
    let leaves = inputs.map { t -> Tensor in
        let c = t.cast(to: .float64).copy()
        c.requiresGrad = true
        return c
    }
    // Analytic: gradient of sum(f · w) for a fixed random weighting w, so every output element matters.
    let output = f(leaves)
    var rng = RandomGenerator(seed: 99)
    let weights = Tensor.uniform(output.shape, low: 0.5, high: 1.5, dtype: .float64, generator: &rng)
    (output * weights).sum().backward()
    var worst = 0.0
    for (k, leaf) in leaves.enumerated() {
        let analytic = leaf.grad?.doubles ?? [Double](repeating: 0, count: leaf.count)
        for i in 0..<leaf.count {
            func value(_ delta: Double) -> Double {
                let probe = leaves.map { $0.copy() }
                var v = probe[k].doubles
                v[i] += delta
                probe[k].assign(Tensor(v, shape: probe[k].shape))
                return withoutGradients { (f(probe) * weights).sum().item() }
            }
            let numeric = (value(epsilon) - value(-epsilon)) / (2 * epsilon)
            let err = Swift.abs(numeric - analytic[i]) / Swift.max(1, Swift.abs(numeric))
            worst = Swift.max(worst, err)
        }
    }
    return worst
}

/// Largest absolute difference between two tensors' values (after checking shapes agree).
///
/// ```swift
/// #expect(maxAbsDifference(y, expected) < 1e-5)
/// ```
public func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Double {
    ensure(a.shape == b.shape, "maxAbsDifference: shapes \(a.shape) and \(b.shape) differ")
    return zip(a.doubles, b.doubles).map { Swift.abs($0 - $1) }.max() ?? 0
}

/// A float64 tensor of normal samples from a fixed seed, for tests.
public func testTensor(_ shape: Shape, seed: UInt64 = 1, scale: Double = 1) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.normal(shape, std: scale, dtype: .float64, generator: &rng)
}

/// The package root, found from this file's path (for fixtures and shared data in tests).
public let packageRoot: String = {
    var parts = String(#filePath).split(separator: "/").map(String.init)
    parts.removeLast(3)   // Sources/_StrataTestSupport/GradientCheck.swift
    return "/" + parts.joined(separator: "/")
}()
