import Foundation
import Testing
import StrataCore
import StrataNN
import StrataOptim
import _StrataTestSupport

// "It learns": small problems that a correct layer + loss + optimizer stack must solve.
//
// Swift Testing runs tests in parallel and layers draw their initial weights from the global
// generator, so a `Tensor.manualSeed` here could be disturbed by another test creating layers
// at the same moment. These tests therefore re-draw every parameter from their own seeded
// generator (PyTorch's default U(-1/√fanIn, 1/√fanIn)), which makes them deterministic.

/// Re-initialises every parameter of `model` from a private generator.
func reseed(_ model: Module, seed: UInt64) {
    var rng = RandomGenerator(seed: seed)
    for (name, p) in model.namedParameters() {
        // Weights are [out, in]: fanIn is the second axis; a bias takes its layer's fanIn.
        let fanIn = name.hasSuffix("bias") ? 0 : p.shape[1]
        let bound = 1 / Foundation.sqrt(Double(Swift.max(fanIn, 1)))
        p.assign(Tensor.uniform(p.shape, low: -bound, high: bound, generator: &rng))
    }
}

let xorInputs = Tensor([[0, 0], [0, 1], [1, 0], [1, 1]] as [[Float]])
let xorTargets = Tensor([[0], [1], [1], [0]] as [[Float]])

@Suite("It learns")
struct LearningTests {
    @Test("a 2-4-1 tanh network learns XOR with Adam and binary cross-entropy")
    func xorAdam() {
        Tensor.manualSeed(42)
        let net = Sequential(Linear(2, 4), Tanh(), Linear(4, 1))
        reseed(net, seed: 42)
        let optimizer = Adam(net.parameters(), learningRate: 0.05)
        var firstLoss = 0.0, lastLoss = 0.0
        for step in 0..<300 {
            let loss = binaryCrossEntropy(logits: net(xorInputs), targets: xorTargets)
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
        let net = Sequential(Linear(2, 4), Tanh(), Linear(4, 1), Sigmoid())
        reseed(net, seed: 7)
        let optimizer = SGD(net.parameters(), learningRate: 0.5, momentum: 0.9)
        for _ in 0..<400 {
            let loss = mseLoss(net(xorInputs), xorTargets)
            optimizer.zeroGradients()
            loss.backward()
            optimizer.step()
        }
        let predictions = withoutGradients { net(xorInputs) }.doubles
        #expect(predictions.map { $0 > 0.5 } == [false, true, true, false], "predictions \(predictions)")
    }

    @Test("linear regression: the loss falls more than 100x and the weights are recovered")
    func linearRegression() {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.normal([64, 3], generator: &rng)
        let trueWeight = Tensor([[1.5, -2, 0.5]] as [[Float]]), trueBias: Float = 0.7
        let noise = Tensor.normal([64, 1], std: 0.01, generator: &rng)
        let y = Tensor.matmul(x, trueWeight, transposeB: true) + Tensor.full([1], value: Double(trueBias)) + noise
        let model = Linear(3, 1)
        reseed(model, seed: 4)
        let optimizer = SGD(model.parameters(), learningRate: 0.1)
        var losses: [Double] = []
        for _ in 0..<150 {
            let loss = mseLoss(model(x), y)
            losses.append(loss.item())
            optimizer.zeroGradients()
            loss.backward()
            optimizer.step()
        }
        #expect(losses.last! * 100 < losses.first!, "loss \(losses.first!) -> \(losses.last!)")
        expectClose(model.weight.doubles, trueWeight.doubles, tolerance: 0.02, "weight")
        expectClose(model.bias!.doubles, [Double(trueBias)], tolerance: 0.02, "bias")
    }

    @Test("a schedule and clipping in the loop still converge")
    func scheduledTraining() {
        var rng = RandomGenerator(seed: 11)
        let x = Tensor.normal([32, 4], generator: &rng)
        let y = x.sum(axis: 1, keepDims: true) * 0.5
        let model = Sequential(Linear(4, 8), Tanh(), Linear(8, 1))
        reseed(model, seed: 12)
        let optimizer = AdamW(model.parameters(), learningRate: 0.02, weightDecay: 0.01)
        let schedule = WarmupCosine(base: 0.02, warmupSteps: 10, totalSteps: 200, minimum: 0.002)
        var first = 0.0, last = 0.0
        for step in 0..<200 {
            optimizer.learningRate = schedule.learningRate(at: step)
            let loss = mseLoss(model(x), y)
            if step == 0 { first = loss.item() }
            last = loss.item()
            optimizer.zeroGradients()
            loss.backward()
            clipGradientNorm(model.parameters(), maxNorm: 1)
            optimizer.step()
        }
        #expect(last * 20 < first, "loss \(first) -> \(last)")
    }
}
