import Foundation
import Testing
import StrataCore
import StrataNN
import _StrataTestSupport

// Parameter discovery, state dicts, training mode, initialisation and dropout.

final class DiscoveryBlock: Module {
    let fc = Linear(3, 3)
    let norm = LayerNorm(3)
}

final class DiscoveryNet: Module {
    let scale = Tensor.ones([1], requiresGrad: true)
    let table = Tensor.zeros([2])                   // a buffer: saved, not trained
    let embed = Embedding(10, 3)
    let blocks: [DiscoveryBlock] = [DiscoveryBlock(), DiscoveryBlock()]
    let head: Linear? = Linear(3, 2)
    let absent: Linear? = nil
    let _hidden = Linear(2, 1, bias: false)
    var epochs = 3                                  // not a tensor: ignored
}

/// A module that renames a property to another framework's checkpoint key.
final class RenamedKeyModule: Module {
    let dense = Linear(2, 2)
    override func key(for property: String) -> String { property == "dense" ? "c_fc" : super.key(for: property) }
}

@Suite("Module: discovery, state dict, training mode")
struct ModuleTests {
    @Test("Sequential keys are layers.<index>.<name>")
    func sequentialNames() {
        let mlp = Sequential(Linear(4, 8), ReLU(), Linear(8, 2))
        #expect(mlp.namedParameters().map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"])
        #expect(mlp.parameterCount == 4 * 8 + 8 + 8 * 2 + 2)
        #expect(mlp.parameters().count == 4)
        #expect(mlp.namedChildren().map(\.name) == ["layers.0", "layers.1", "layers.2"])
    }

    @Test("nested modules, arrays of modules, optionals and renamed keys")
    func customModule() {
        let net = DiscoveryNet()
        let names = net.namedParameters().map(\.name)
        #expect(names == ["scale", "embed.weight",
                          "blocks.0.fc.weight", "blocks.0.fc.bias", "blocks.0.norm.weight", "blocks.0.norm.bias",
                          "blocks.1.fc.weight", "blocks.1.fc.bias", "blocks.1.norm.weight", "blocks.1.norm.bias",
                          "head.weight", "head.bias", "hidden.weight"])
        #expect(net.stateDict().keys.contains("table"))
        #expect(!names.contains("table"))
        #expect(!names.contains { $0.hasPrefix("absent") })
        #expect(RenamedKeyModule().namedParameters().map(\.name) == ["c_fc.weight", "c_fc.bias"])
        // The state dict shares storage with the module.
        #expect(net.stateDict()["head.weight"] === net.head!.weight)
    }

    @Test("a tensor shared by two modules is one parameter")
    func sharedParameters() {
        let a = Linear(3, 3), b = Linear(3, 3)
        let seq = Sequential(a, b)
        let shared = Sequential(a, a)
        #expect(seq.parameters().count == 4)
        #expect(shared.parameters().count == 2)
        #expect(shared.stateDict().count == 4)   // both keys are saved
    }

    @Test("BatchNorm buffers are in the state dict but not in the parameters")
    func batchNormBuffers() {
        let bn = BatchNorm(4)
        #expect(bn.namedParameters().map(\.name) == ["weight", "bias"])
        #expect(Set(bn.stateDict().keys) == ["weight", "bias", "running_mean", "running_var"])
        let model = Sequential(Conv2D(1, 4, kernelSize: (3, 3)), BatchNorm(4), ReLU())
        #expect(Set(model.stateDict().keys) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
                                                "layers.1.running_mean", "layers.1.running_var"])
        #expect(model.parameters().count == 4)
    }

    @Test("loadStateDict copies values between models")
    func loadStateDictRoundTrip() throws {
        let source = Sequential(Linear(4, 8), ReLU(), Linear(8, 2))
        let target = Sequential(Linear(4, 8), ReLU(), Linear(8, 2))
        let x = testTensor([3, 4], seed: 5).cast(to: .float32)
        try target.loadStateDict(source.stateDict())
        #expect(maxAbsDifference(target(x), source(x)) == 0)
        // The values were copied, not shared.
        #expect(target.layers[0].parameters()[0] !== source.layers[0].parameters()[0])
    }

    @Test("loadStateDict names the key that does not fit")
    func loadStateDictErrors() {
        let model = Sequential(Linear(4, 8), ReLU(), Linear(8, 2))
        var missing = model.stateDict()
        missing["layers.0.bias"] = nil
        #expect(throws: StateDictError.missingKey("layers.0.bias", expected: [8])) { try model.loadStateDict(missing) }

        var extra = model.stateDict()
        extra["layers.9.weight"] = Tensor.zeros([1])
        #expect(throws: StateDictError.unexpectedKey("layers.9.weight")) { try model.loadStateDict(extra) }
        #expect(throws: Never.self) { try model.loadStateDict(extra, strict: false) }

        var wrongShape = model.stateDict()
        wrongShape["layers.2.weight"] = Tensor.zeros([3, 8])
        #expect(throws: StateDictError.shapeMismatch("layers.2.weight", expected: [2, 8], found: [3, 8])) {
            try model.loadStateDict(wrongShape)
        }
        do {
            try model.loadStateDict(wrongShape)
        } catch {
            #expect("\(error)".contains("layers.2.weight"))
        }

        // A float weight relabelled as integers in a file: refused, not cast to nonsense.
        var wrongType = model.stateDict()
        wrongType["layers.0.weight"] = Tensor.zeros([8, 4], dtype: .int32)
        #expect(throws: StateDictError.dtypeMismatch("layers.0.weight", expected: .float32, found: .int32)) {
            try model.loadStateDict(wrongType)
        }
    }

    @Test("train(false) reaches every sub-module; train() turns it back on")
    func trainingModePropagates() {
        let inner = Sequential(BatchNorm(4), Dropout(0.5))
        let net = DiscoveryNet()
        let model = Sequential(Linear(4, 4), Dropout(0.2), inner)
        model.train(false)
        #expect(!model.isTraining && !inner.isTraining && !inner.layers[0].isTraining && !inner.layers[1].isTraining)
        #expect(!model.layers[1].isTraining)
        model.train()
        #expect(model.isTraining && inner.layers[0].isTraining && inner.layers[1].isTraining)
        net.train(false)
        #expect(!net.blocks[1].norm.isTraining && !net.head!.isTraining && !net._hidden.isTraining)
    }

    @Test("zeroGradients clears every parameter's gradient")
    func zeroGradients() {
        let model = Sequential(Linear(3, 2), Tanh(), Linear(2, 1))
        model(testTensor([4, 3], seed: 3).cast(to: .float32)).sum().backward()
        #expect(model.parameters().allSatisfy { $0.grad != nil })
        model.zeroGradients()
        #expect(model.parameters().allSatisfy { $0.grad == nil })
    }
}

/// Sample mean and variance of a tensor's values.
func sampleMoments(_ t: Tensor) -> (mean: Double, variance: Double) {
    let v = t.doubles
    let mean = v.reduce(0, +) / Double(v.count)
    return (mean, v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count))
}

@Suite("Initialisation and dropout")
struct InitializationTests {
    @Test("Linear and Conv2D default to U(-1/√fanIn, 1/√fanIn)")
    func pytorchDefault() {
        let fc = Linear(50, 40)
        let bound = 1 / Foundation.sqrt(50.0)
        for t in [fc.weight, fc.bias!] {
            #expect(t.doubles.allSatisfy { Swift.abs($0) <= bound })
            #expect(t.requiresGrad && t.dtype == .float32)
        }
        // Uniform on [-b, b] has variance b²/3.
        #expect(Swift.abs(sampleMoments(fc.weight).variance / (bound * bound / 3) - 1) < 0.1)
        let conv = Conv2D(3, 8, kernelSize: (3, 3))
        let convBound = 1 / Foundation.sqrt(27.0)
        #expect(conv.weight.shape == [8, 3, 3, 3])
        #expect(conv.weight.doubles.allSatisfy { Swift.abs($0) <= convBound })
        #expect(conv.bias!.doubles.allSatisfy { Swift.abs($0) <= convBound })
        #expect(conv.weight.doubles.contains { Swift.abs($0) > convBound / 2 })
    }

    @Test("Embedding defaults to N(0, 1)")
    func embeddingDefault() {
        let (mean, variance) = sampleMoments(Embedding(1000, 16).weight)
        #expect(Swift.abs(mean) < 0.05)
        #expect(Swift.abs(variance - 1) < 0.05)
    }

    @Test("Xavier and Kaiming variances")
    func initializerVariances() {
        let shape: Shape = [64, 32, 3, 3]   // fanIn 288, fanOut 576
        let fanIn = 288.0, fanOut = 576.0
        let cases: [(Initializer, Double)] = [
            (.xavierUniform, 2 / (fanIn + fanOut)),
            (.xavierNormal, 2 / (fanIn + fanOut)),
            (.kaimingUniform, 2 / fanIn),
            (.kaimingNormal, 2 / fanIn),
            (.normal(std: 0.02), 0.0004),
            (.pytorchDefault, 1 / (3 * fanIn)),
        ]
        for (initializer, expected) in cases {
            let t = initializer.make(shape)
            #expect(t.shape == shape && t.requiresGrad)
            let (mean, variance) = sampleMoments(t)
            #expect(Swift.abs(mean) < 0.1 * expected.squareRoot(), "\(initializer): mean \(mean)")
            #expect(Swift.abs(variance / expected - 1) < 0.05, "\(initializer): variance \(variance), expected \(expected)")
        }
        let a = Foundation.sqrt(6 / (fanIn + fanOut))
        #expect(Initializer.xavierUniform.make(shape).doubles.allSatisfy { Swift.abs($0) <= a })
        #expect(Initializer.zeros.make([3, 4]).doubles.allSatisfy { $0 == 0 })
        // Two-dimensional weights: fanIn is the second axis.
        let (_, v) = sampleMoments(Initializer.kaimingNormal.make([300, 200]))
        #expect(Swift.abs(v / (2 / 200.0) - 1) < 0.05)
    }

    @Test("Dropout zeroes about p of the elements and scales the rest by 1/(1-p)")
    func dropoutTraining() {
        for p in [0.2, 0.5] {
            let drop = Dropout(p)
            let x = Tensor.ones([100, 100])
            let y = drop(x).doubles
            let zeros = y.filter { $0 == 0 }.count
            #expect(Swift.abs(Double(zeros) / Double(y.count) - p) < 0.03, "p = \(p): \(zeros) zeros of \(y.count)")
            let scale = Float(1 / (1 - p))
            #expect(y.allSatisfy { $0 == 0 || Swift.abs(Float($0) - scale) <= 1e-6 * scale }, "p = \(p)")
        }
        // The gradient flows through the kept elements with the same scale.
        let x = leafCopy(Tensor.ones([50, 40]))
        let y = Dropout(0.5)(x)
        y.sum().backward()
        #expect(x.grad!.doubles == y.doubles)
    }

    @Test("Dropout is the identity in evaluation mode and with p = 0")
    func dropoutEvaluation() {
        let x = testTensor([20, 30], seed: 12).cast(to: .float32)
        let drop = Dropout(0.5)
        drop.train(false)
        #expect(drop(x).doubles == x.doubles)
        #expect(Dropout(0)(x).doubles == x.doubles)
        let model = Sequential(Dropout(0.9), Dropout(0.9))
        model.train(false)
        #expect(model(x).doubles == x.doubles)
    }

    @Test("Linear(x, adding: r) equals r + Linear(x), for [B, T, C] inputs and packed weights too")
    func linearWithResidual() throws {
        let layer = Linear(8, 6)
        let x = Tensor.randn([2, 3, 8]), skip = Tensor.randn([2, 3, 6])
        #expect(maxAbsDifference(layer(x, adding: skip), skip + layer(x)) < 1e-5)
        layer.packedWeight = try PackedMatrix.quantize(layer.weight, scheme: .int8)
        #expect(maxAbsDifference(layer(x, adding: skip), skip + layer(x)) < 1e-5)
    }
}

/// `prepackLinearWeights()`: inference through the packed weights gives the plain layer's
/// output (float32 rounding), and autodiff still takes the plain path (gradients flow).
@Suite struct PrepackedLinearTests {
    @Test func packedInferenceMatchesAndTrainingIgnoresIt() {
        Tensor.manualSeed(8)
        let model = Sequential(Linear(20, 33), ReLU(), Linear(33, 7))
        let x = Tensor.normal([9, 20])
        let plain = withoutGradients { model(x) }.floats
        model.prepackLinearWeights()
        let layers = model.namedChildren().compactMap { $0.1 as? Linear }
        #expect(layers.count == 2)
        guard layers.allSatisfy({ $0.prepackedWeight != nil }) else { return }   // no AVX2: nothing packed
        let packed = withoutGradients { model(x) }.floats
        for (p, q) in zip(packed, plain) { #expect(abs(p - q) <= 1e-5 * max(1, abs(q))) }
        model(x).square().mean().backward()
        #expect(layers.allSatisfy { $0.weight.grad != nil })
    }
}
