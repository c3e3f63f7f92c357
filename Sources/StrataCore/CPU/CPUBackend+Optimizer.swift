import Foundation

extension CPUBackend {
    public func sgdUpdate(_ parameter: Tensor, gradient: Tensor, momentumBuffer: Tensor?, firstStep: Bool,
                          learningRate: Double, momentum: Double, dampening: Double, weightDecay: Double, nesterov: Bool) {
        ensure(momentum <= 0 || momentumBuffer != nil, "sgdUpdate: momentum \(momentum) needs a momentum buffer")
        func run<T: FloatScalar>(_: T.Type) {
            OptimizerKernels.sgd(parameter.pointer(T.self), gradient.pointer(T.self), momentumBuffer?.pointer(T.self), parameter.count,
                                 first: firstStep, lr: T(learningRate), mu: T(momentum), wd: T(weightDecay), damp: T(dampening),
                                 nesterov: nesterov)
        }
        parameter.dtype.dispatchFloat("sgdUpdate", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func adamUpdate(_ parameter: Tensor, gradient: Tensor, expAvg: Tensor, expAvgSq: Tensor, learningRate: Double,
                           beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double, decoupled: Bool, step: Int) {
        let c1 = 1 - Foundation.pow(beta1, Double(step)), c2 = 1 - Foundation.pow(beta2, Double(step))
        func run<T: FloatScalar & SIMDScalar>(_: T.Type) {
            let b1 = T(beta1), b2 = T(beta2), eps = T(epsilon), wd = T(weightDecay)
            let stepSize = T(learningRate / c1), invRootC2 = T(1 / Foundation.sqrt(c2))
            // Decoupled (AdamW): p ← p·(1 − lr·wd); coupled (Adam): g ← g + wd·p.
            let decay = decoupled ? T(1 - learningRate * weightDecay) : 1
            let l2 = decoupled ? 0 : wd
            OptimizerKernels.adam(parameter.pointer(T.self), gradient.pointer(T.self), expAvg.pointer(T.self), expAvgSq.pointer(T.self),
                                  parameter.count, b1: b1, b2: b2, eps: eps, stepSize: stepSize, invRootC2: invRootC2, decay: decay, l2: l2)
        }
        parameter.dtype.dispatchFloat("adamUpdate", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func rmsPropUpdate(_ parameter: Tensor, gradient: Tensor, squareAvg: Tensor, gradAvg: Tensor?, momentumBuffer: Tensor?,
                              learningRate: Double, alpha: Double, epsilon: Double, weightDecay: Double, momentum: Double) {
        ensure(momentum <= 0 || momentumBuffer != nil, "rmsPropUpdate: momentum \(momentum) needs a momentum buffer")
        func run<T: FloatScalar>(_: T.Type) {
            let square = squareAvg.pointer(T.self)
            OptimizerKernels.rmsProp(parameter.pointer(T.self), gradient.pointer(T.self), square,
                                     gradAvg?.pointer(T.self) ?? square, momentumBuffer?.pointer(T.self) ?? square, parameter.count,
                                     a: T(alpha), eps: T(epsilon), wd: T(weightDecay), mu: T(momentum), lr: T(learningRate),
                                     centered: gradAvg != nil, useMomentum: momentum > 0)
        }
        parameter.dtype.dispatchFloat("rmsPropUpdate", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func adagradUpdate(_ parameter: Tensor, gradient: Tensor, sum: Tensor, learningRate: Double, learningRateDecay: Double,
                              epsilon: Double, weightDecay: Double, step: Int) {
        func run<T: FloatScalar>(_: T.Type) {
            let clr = T(learningRate / (1 + Double(step - 1) * learningRateDecay))
            OptimizerKernels.adagrad(parameter.pointer(T.self), gradient.pointer(T.self), sum.pointer(T.self), parameter.count,
                                     clr: clr, eps: T(epsilon), wd: T(weightDecay))
        }
        parameter.dtype.dispatchFloat("adagradUpdate", float32: { run(Float.self) }, float64: { run(Double.self) })
    }
}
