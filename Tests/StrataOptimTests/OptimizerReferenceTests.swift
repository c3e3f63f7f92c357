import Testing
import StrataCore
import StrataOptim
import _StrataTestSupport

// Optimizers, schedules and gradient clipping against numpy implementations of PyTorch's
// documented update rules (Scripts/make_nn_fixtures.py).

/// The optimizer a reference case names, with its hyper-parameters.
func makeOptimizer(_ c: Reference, _ parameters: [Tensor]) throws -> Optimizer {
    let h = try c["hyper"]
    let lr = try h["lr"].double
    let weightDecay = try h.double("weightDecay", default: 0)
    switch try c["optimizer"].string {
    case "SGD":
        return try SGD(parameters, learningRate: lr, momentum: h.double("momentum", default: 0),
                       dampening: h.double("dampening", default: 0), weightDecay: weightDecay, nesterov: h.flag("nesterov"))
    case "Adam":
        return try Adam(parameters, learningRate: lr, betas: (h.double("beta1", default: 0.9), h.double("beta2", default: 0.999)),
                    weightDecay: weightDecay)
    case "AdamW":
        return AdamW(parameters, learningRate: lr, weightDecay: weightDecay)
    case "RMSProp":
        return try RMSProp(parameters, learningRate: lr, alpha: h.double("alpha", default: 0.99), weightDecay: weightDecay,
                           momentum: h.double("momentum", default: 0), centered: h.flag("centered"))
    case "Adagrad":
        return try Adagrad(parameters, learningRate: lr, learningRateDecay: h.double("lrDecay", default: 0), weightDecay: weightDecay)
    case let other:
        throw c.node.error("unknown optimizer '\(other)'")
    }
}

@Suite("Optimizers, schedules and clipping match the reference")
struct OptimizerReferenceTests {
    @Test("three steps from fixed gradients", arguments: try Reference.cases("optimizers"), [DType.float32, .float64])
    func threeSteps(_ c: Reference, _ dtype: DType) throws {
        let p = try leafCopy(c.tensor("initial", dtype: dtype))
        let optimizer = try makeOptimizer(c, [p])
        let gradients = try c["gradients"].list.map { try $0.asTensor(dtype: dtype) }
        let after = try c["after"].list.map { try $0.asTensor() }
        for k in 0..<3 {
            p.grad = gradients[k]
            optimizer.step()
            #expect(optimizer.stepCount == k + 1)
            #expect(mismatch(p, after[k], tolerance: tolerance(for: dtype), "\(c) \(dtype) after step \(k + 1)") == nil)
        }
    }

    @Test("a gradient in the other precision is cast to the parameter's")
    func mixedPrecisionGradient() throws {
        let c = try Reference.cases("optimizers").first { try $0["name"].string == "adam" }!
        let p = try leafCopy(c.tensor("initial", dtype: .float64))
        let optimizer = try makeOptimizer(c, [p])
        for (k, g) in try c["gradients"].list.enumerated() {
            p.grad = try g.asTensor(dtype: .float32)
            optimizer.step()
            #expect(try mismatch(p, c["after"].list[k].asTensor(), tolerance: float32Tolerance, "step \(k + 1)") == nil)
        }
        #expect(p.dtype == .float64)
    }

    @Test("parameters without a gradient are left alone; zeroGradients clears")
    func skipsMissingGradients() {
        let a = leafCopy(testTensor([3], seed: 1)), b = leafCopy(testTensor([2], seed: 2))
        let before = b.doubles
        let sgd = SGD([a, b], learningRate: 0.5)
        a.grad = Tensor.ones([3], dtype: .float64)
        sgd.step()
        #expect(b.doubles == before)
        #expect(mismatch(a.doubles, testTensor([3], seed: 1).doubles.map { $0 - 0.5 }, tolerance: float64Tolerance, "a") == nil)
        sgd.zeroGradients()
        #expect(a.grad == nil && b.grad == nil)
    }

    @Test("SGD: a momentum buffer starts from the first gradient the parameter receives")
    func sgdLateGradient() {
        // PyTorch creates the buffer (as a copy of the gradient) on the parameter's first update,
        // so dampening does not apply to it, even when other parameters were updated before.
        let a = leafCopy(Tensor.zeros([2], dtype: .float64)), b = leafCopy(Tensor.zeros([2], dtype: .float64))
        let sgd = SGD([a, b], learningRate: 0.1, momentum: 0.9, dampening: 0.5)
        a.grad = Tensor([1, 1] as [Double])
        sgd.step()                                   // b has no gradient yet
        b.grad = Tensor([2, -4] as [Double])
        sgd.step()
        #expect(mismatch(b.doubles, [-0.2, 0.4], tolerance: float64Tolerance, "b after its first update") == nil)
        // a: buffer 1, then 0.9·1 + 0.5·1 = 1.4 (its gradient is still set).
        #expect(mismatch(a.doubles, [-0.1 - 0.14, -0.1 - 0.14], tolerance: float64Tolerance, "a") == nil)
    }

    @Test("Adam: bias correction counts the parameter's own updates")
    func adamLateGradient() {
        // PyTorch keeps `step` per parameter: the first update of any parameter moves it by
        // lr·g/(|g| + eps), however many steps the optimizer took before.
        let a = leafCopy(Tensor.zeros([2], dtype: .float64)), b = leafCopy(Tensor.zeros([2], dtype: .float64))
        let adam = Adam([a, b], learningRate: 0.1)
        a.grad = Tensor([1, 1] as [Double])
        adam.step()
        b.grad = Tensor([2, -4] as [Double])
        adam.step()
        #expect(mismatch(b.doubles, [-0.1, 0.1], tolerance: 1e-6, "b after its first update") == nil)
    }

    @Test("StepLR, ExponentialLR, CosineAnnealingLR, WarmupCosine")
    func schedules() throws {
        let s = try Reference.root["schedules"]
        let steps = try s["steps"].ints
        func check(_ schedule: some LearningRateSchedule, _ key: String) throws {
            let got = steps.map { schedule.learningRate(at: $0) }
            #expect(try mismatch(got, s[key]["values"].doubles, tolerance: 1e-12, key) == nil)
        }
        let step = try s["stepLR"], exponential = try s["exponentialLR"], cosine = try s["cosineAnnealingLR"], warm = try s["warmupCosine"]
        try check(StepLR(base: step["base"].double, stepSize: step["stepSize"].int, gamma: step["gamma"].double), "stepLR")
        try check(ExponentialLR(base: exponential["base"].double, gamma: exponential["gamma"].double), "exponentialLR")
        try check(CosineAnnealingLR(base: cosine["base"].double, period: cosine["period"].int, minimum: cosine["minimum"].double),
              "cosineAnnealingLR")
        try check(WarmupCosine(base: warm["base"].double, warmupSteps: warm["warmupSteps"].int, totalSteps: warm["totalSteps"].int,
                           minimum: warm["minimum"].double), "warmupCosine")
        #expect(ConstantLR(0.3).learningRate(at: 1000) == 0.3)
    }

    @Test("clipGradientNorm", arguments: try Reference.cases("clipGradientNorm"), [DType.float32, .float64])
    func clipping(_ c: Reference, _ dtype: DType) throws {
        let gradients = try c["gradients"].list.map { try $0.asTensor(dtype: dtype) }
        let parameters = gradients.map { g -> Tensor in
            let p = leafCopy(Tensor.zeros(g.shape, dtype: dtype))
            p.grad = g
            return p
        }
        let bystander = leafCopy(Tensor.zeros([2], dtype: dtype))   // no gradient: ignored
        let norm = try clipGradientNorm(parameters + [bystander], maxNorm: c["maxNorm"].double)
        #expect(try mismatch([norm], [c["norm"].double], tolerance: tolerance(for: dtype), "norm before clipping") == nil)
        for (p, expected) in try zip(parameters, c["clipped"].list) {
            #expect(try mismatch(p.grad, expected.asTensor(), tolerance: tolerance(for: dtype), "clipped gradient") == nil)
        }
        #expect(bystander.grad == nil)
        // Clipping replaces gradients rather than scaling shared tensors in place.
        if try c["name"].string == "clipped" {
            #expect(try mismatch(gradients[0], c["gradients"].list[0].asTensor(), tolerance: tolerance(for: dtype), "original gradient") == nil)
        }
    }
}

@Suite("Optimizer state save and restore")
struct OptimizerStateTests {
    /// A fixed least-squares problem: loss = mean((x·wᵀ + b - y)²) for float64 parameters w [2, 3], b [2].
    struct Problem {
        let x = testTensor([8, 3], seed: 21), y = testTensor([8, 2], seed: 22)
        func parameters() -> [Tensor] { [leafCopy(testTensor([2, 3], seed: 23)), leafCopy(testTensor([2], seed: 24))] }
        func step(_ optimizer: Optimizer) {
            let (w, b) = (optimizer.parameters[0], optimizer.parameters[1])
            let loss = (Tensor.matmul(x, w, transposeB: true) + b - y).square().mean()
            optimizer.zeroGradients()
            loss.backward()
            optimizer.step()
        }
    }

    static let makers: [(String, @Sendable ([Tensor]) -> Optimizer)] = [
        ("SGD momentum", { SGD($0, learningRate: 0.05, momentum: 0.9) }),
        ("SGD nesterov", { SGD($0, learningRate: 0.05, momentum: 0.9, weightDecay: 0.01, nesterov: true) }),
        ("Adam", { Adam($0, learningRate: 0.05) }),
        ("AdamW", { AdamW($0, learningRate: 0.05, weightDecay: 0.1) }),
        ("RMSProp centered", { RMSProp($0, learningRate: 0.01, momentum: 0.9, centered: true) }),
        ("Adagrad", { Adagrad($0, learningRate: 0.1, learningRateDecay: 0.1) }),
    ]

    @Test("continuing from a restored state equals an uninterrupted run", arguments: 0..<6)
    func roundTrip(_ index: Int) throws {
        let (name, make) = Self.makers[index]
        let problem = Problem()
        let uninterrupted = make(problem.parameters())
        for _ in 0..<6 { problem.step(uninterrupted) }

        let first = make(problem.parameters())
        for _ in 0..<3 { problem.step(first) }
        // A checkpoint: copies of the parameters and of the optimizer state.
        let savedParameters = first.parameters.map { $0.copy() }
        let savedState = first.stateDict().mapValues { $0.copy() }
        #expect(savedState["step"]?.item() == 3, "\(name)")
        // Stepping the first optimizer further must not change the checkpoint.
        problem.step(first)

        let resumed = make(savedParameters.map(leafCopy))
        try resumed.loadStateDict(savedState)
        #expect(resumed.stepCount == 3, "\(name)")
        for _ in 0..<3 { problem.step(resumed) }
        for (a, b) in zip(resumed.parameters, uninterrupted.parameters) {
            #expect(mismatch(a, b, tolerance: 1e-12, "\(name): resumed vs uninterrupted") == nil)
        }
    }

    @Test("state dict keys follow PyTorch's buffer names")
    func stateKeys() {
        let problem = Problem()
        let adam = Adam(problem.parameters(), learningRate: 0.01)
        problem.step(adam)
        adam.learningRate = 0.005
        let state = adam.stateDict()
        #expect(Set(state.keys) == ["step", "lr", "state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq",
                                    "state.1.step", "state.1.exp_avg", "state.1.exp_avg_sq"])
        #expect(state["state.1.step"]?.item() == 1)
        #expect(state["lr"]?.item() == 0.005)
        #expect(state["state.0.exp_avg"]?.shape == [2, 3])
        let sgd = SGD(problem.parameters(), learningRate: 0.1, momentum: 0.9)
        problem.step(sgd)
        #expect(Set(sgd.stateDict().keys) == ["step", "lr", "state.0.step", "state.0.momentum_buffer", "state.1.step", "state.1.momentum_buffer"])
    }

    @Test("loading state that does not fit throws")
    func badState() throws {
        let problem = Problem()
        let adam = Adam(problem.parameters(), learningRate: 0.01)
        problem.step(adam)
        var state = adam.stateDict()
        state["state.0.exp_avg"] = Tensor.zeros([3, 2], dtype: .float64)
        #expect(throws: OptimizerStateError.self) { try adam.loadStateDict(state) }
        state = adam.stateDict()
        state["state.7.exp_avg"] = Tensor.zeros([2], dtype: .float64)
        #expect(throws: OptimizerStateError.self) { try adam.loadStateDict(state) }
        state = adam.stateDict()
        state["step"] = nil
        #expect(throws: OptimizerStateError.self) { try adam.loadStateDict(state) }
        // Hostile values from a checkpoint file: a non-scalar, NaN or huge step, a NaN learning
        // rate, a buffer relabelled to another dtype. Each is an error, not a trap.
        for (key, value) in [("step", Tensor.zeros([2], dtype: .float64)), ("step", Tensor([Double.nan])),
                             ("state.0.step", Tensor([9.3e18])), ("step", Tensor([-1.0])), ("lr", Tensor([Double.nan])),
                             ("state.0.exp_avg", Tensor.zeros([2, 3], dtype: .int32))] {
            state = adam.stateDict()
            state[key] = value
            let error = #expect(throws: OptimizerStateError.self) { try adam.loadStateDict(state) }
            #expect(error.map { "\($0)".contains(key) } == true, "\(key)")
        }
        #expect(adam.stepCount == 1)
    }
}
