import Foundation
import Testing
import StrataCore
import StrataOptim
import _StrataTestSupport

// "It learns": small problems that the optimizers must solve, on parameters and losses written
// with tensor operations (the layers and losses of StrataNN are checked in StrataNNTests).
// Every parameter is drawn from a generator the test owns, so the tests are deterministic
// whatever else runs at the same time.

/// y = x·Wᵀ + b with leaf parameters W [out, in] and b [out].
struct Dense {
    let weight: Tensor, bias: Tensor

    /// Weight drawn as PyTorch's Linear draws it, U(-1/√in, 1/√in), and bias U(-1, 1), from `generator`.
    init(_ inputs: Int, _ outputs: Int, generator: inout RandomGenerator) {
        let bound = 1 / Foundation.sqrt(Double(inputs))
        weight = Tensor.uniform([outputs, inputs], low: -bound, high: bound, generator: &generator, requiresGrad: true)
        bias = Tensor.uniform([outputs], low: -1, high: 1, generator: &generator, requiresGrad: true)
    }

    func callAsFunction(_ x: Tensor) -> Tensor { Tensor.matmul(x, weight, transposeB: true) + bias }   // [N, out]
    var parameters: [Tensor] { [weight, bias] }
}

/// A two-layer tanh network: second(tanh(first(x))).
struct TanhNetwork {
    let first: Dense, second: Dense

    init(_ inputs: Int, _ hidden: Int, _ outputs: Int, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        first = Dense(inputs, hidden, generator: &rng)
        second = Dense(hidden, outputs, generator: &rng)
    }

    func callAsFunction(_ x: Tensor) -> Tensor { second(first(x).tanh()) }
    var parameters: [Tensor] { first.parameters + second.parameters }
}

/// Mean squared error.
func meanSquaredError(_ prediction: Tensor, _ target: Tensor) -> Tensor { (prediction - target).square().mean() }

let xorInputs = Tensor([[0, 0], [0, 1], [1, 0], [1, 1]] as [[Float]])
let xorTargets = Tensor([[0], [1], [1], [0]] as [[Float]])

@Suite("It learns")
struct LearningTests {
    @Test("a 2-4-1 tanh network learns XOR with Adam and binary cross-entropy")
    func xorAdam() {
        let net = TanhNetwork(2, 4, 1, seed: 42)
        let optimizer = Adam(net.parameters, learningRate: 0.05)
        var firstLoss = 0.0, lastLoss = 0.0
        for step in 0..<300 {
            // Binary cross-entropy on logits z: softplus(z) - z·y.
            let logits = net(xorInputs)
            let loss = (logits.softplus() - logits * xorTargets).mean()
            if step == 0 { firstLoss = loss.item() }
            lastLoss = loss.item()
            optimizer.zeroGradients()
            loss.backward()
            optimizer.step()
        }
        let predictions = withoutGradients { net(xorInputs).sigmoid() }.doubles
        #expect(predictions.map { $0 > 0.5 } == [false, true, true, false], "predictions \(predictions)")
        #expect(lastLoss < 0.1 * firstLoss, "loss \(firstLoss) -> \(lastLoss)")
    }

    @Test("a 2-4-1 tanh network learns XOR with SGD momentum and MSE on sigmoid outputs")
    func xorSGD() {
        let net = TanhNetwork(2, 4, 1, seed: 7)
        let optimizer = SGD(net.parameters, learningRate: 0.5, momentum: 0.9)
        for _ in 0..<400 {
            let loss = meanSquaredError(net(xorInputs).sigmoid(), xorTargets)
            optimizer.zeroGradients()
            loss.backward()
            optimizer.step()
        }
        let predictions = withoutGradients { net(xorInputs).sigmoid() }.doubles
        #expect(predictions.map { $0 > 0.5 } == [false, true, true, false], "predictions \(predictions)")
    }

    @Test("linear regression: the loss falls more than 100x and the weights are recovered")
    func linearRegression() {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.normal([64, 3], generator: &rng)
        let trueWeight = Tensor([[1.5, -2, 0.5]] as [[Float]]), trueBias: Float = 0.7
        let noise = Tensor.normal([64, 1], std: 0.01, generator: &rng)
        let y = Tensor.matmul(x, trueWeight, transposeB: true) + Tensor.full([1], value: Double(trueBias)) + noise
        var initial = RandomGenerator(seed: 4)
        let model = Dense(3, 1, generator: &initial)
        let optimizer = SGD(model.parameters, learningRate: 0.1)
        var losses: [Double] = []
        for _ in 0..<150 {
            let loss = meanSquaredError(model(x), y)
            losses.append(loss.item())
            optimizer.zeroGradients()
            loss.backward()
            optimizer.step()
        }
        #expect(losses.last! * 100 < losses.first!, "loss \(losses.first!) -> \(losses.last!)")
        #expect(mismatch(model.weight.doubles, trueWeight.doubles, tolerance: 0.02, "weight") == nil)
        #expect(mismatch(model.bias.doubles, [Double(trueBias)], tolerance: 0.02, "bias") == nil)
    }

    @Test("a schedule and clipping in the loop still converge")
    func scheduledTraining() {
        var rng = RandomGenerator(seed: 11)
        let x = Tensor.normal([32, 4], generator: &rng)
        let y = x.sum(axis: 1, keepDims: true) * 0.5
        let model = TanhNetwork(4, 8, 1, seed: 12)
        let optimizer = AdamW(model.parameters, learningRate: 0.02, weightDecay: 0.01)
        let schedule = WarmupCosine(base: 0.02, warmupSteps: 10, totalSteps: 200, minimum: 0.002)
        var first = 0.0, last = 0.0
        for step in 0..<200 {
            optimizer.learningRate = schedule.learningRate(at: step)
            let loss = meanSquaredError(model(x), y)
            if step == 0 { first = loss.item() }
            last = loss.item()
            optimizer.zeroGradients()
            loss.backward()
            clipGradientNorm(model.parameters, maxNorm: 1)
            optimizer.step()
        }
        #expect(last * 20 < first, "loss \(first) -> \(last)")
    }
}
