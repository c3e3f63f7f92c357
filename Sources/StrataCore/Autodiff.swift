import Foundation

/// The recorded backward function of one operation: its inputs and how to turn the
/// gradient of its output into gradients of its inputs (vector-Jacobian product).
final class GradFunction {
    let name: String
    let inputs: [Tensor]
    let backward: (Tensor) -> [Tensor?]

    init(name: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }
}

/// Whether operations are recorded for autodiff on the current thread.
public enum GradMode {
    /// Set inside `withoutGradients { }`.
    static let disabled = ThreadLocalFlag()

    /// True unless inside `withoutGradients { }` on this thread.
    public static var isEnabled: Bool {
        get { !disabled.value }
        set { disabled.value = !newValue }
    }
}

/// Runs `body` without recording operations for autodiff (inference, optimizer updates).
///
/// ```swift
/// let logits = withoutGradients { model(x) }
/// ```
@discardableResult
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.disabled.with(true, body)
}

extension Tensor {
    /// Attaches a backward function to `output` when recording is on and an input needs gradients.
    /// The closure gets the gradient of `output` and returns one gradient (or nil) per input.
    @inline(__always)
    static func record(_ output: Tensor, _ name: String, _ inputs: [Tensor],
                       backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        output.gradFunction = GradFunction(name: name, inputs: inputs, backward: backward)
        output.requiresGrad = true
        return output
    }

    /// A tensor sharing this one's values, cut off from the graph.
    ///
    /// ```swift
    /// let target = prediction.detached()   // no gradient flows through target
    /// ```
    public func detached() -> Tensor {
        Tensor(shape: shape, dtype: dtype, storage: storage)
    }

    /// Computes gradients of this tensor with respect to every leaf that requires them,
    /// adding them to the leaves' `grad`. Without `seed`, the tensor must hold one element.
    /// `onLeafGradient` is called with each leaf as soon as its `grad` is final for this pass
    /// (every use of it has contributed), on this thread, while the rest of backward is still
    /// to run: as PyTorch's post-accumulate-grad hooks, it lets data-parallel training start
    /// exchanging the gradients that are ready (``DistributedDataParallel``).
    ///
    /// ```swift
    /// let w = Tensor.normal([3], requiresGrad: true)
    /// (w * w).sum().backward()      // w.grad == 2 * w
    /// ```
    public func backward(_ seed: Tensor? = nil, onLeafGradient: ((Tensor) -> Void)? = nil) {
        ensure(requiresGrad, "backward(): the tensor does not require gradients (no input had requiresGrad, or it was computed inside withoutGradients)")
        let start: Tensor
        if let seed {
            ensure(seed.shape == shape, "backward(seed:): seed shape \(seed.shape) does not match tensor shape \(shape)")
            start = seed.dtype == dtype ? seed : seed.cast(to: dtype)
        } else {
            ensure(count == 1, "backward(): needs a seed gradient for a tensor of shape \(shape); call backward(seed) or reduce to a scalar first")
            start = Tensor.ones(shape, dtype: dtype)
        }
        let order = topologicalOrder()
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): start]
        withoutGradients {
            for node in order.reversed() {
                guard let g = grads.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                guard let fn = node.gradFunction else {
                    node.grad = node.grad.map { $0 + g } ?? g
                    onLeafGradient?(node)
                    continue
                }
                let inputGrads = fn.backward(g)
                for (input, ig) in zip(fn.inputs, inputGrads) {
                    guard input.requiresGrad, let ig else { continue }
                    ensure(ig.shape == input.shape,
                                 "internal: \(fn.name) backward gave gradient of shape \(ig.shape) for input of shape \(input.shape)")
                    let key = ObjectIdentifier(input)
                    grads[key] = grads[key].map { $0 + ig } ?? ig
                }
            }
        }
    }

    /// Nodes reachable from self through tensors that require gradients, inputs before outputs.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (node, next) = stack.popLast() {
            let inputs = node.gradFunction?.inputs ?? []
            if next < inputs.count {
                stack.append((node, next + 1))
                let child = inputs[next]
                if child.requiresGrad && visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(node)
            }
        }
        return order
    }
}
