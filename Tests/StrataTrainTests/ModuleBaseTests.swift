import Foundation
import Strata
import Testing

// One base class: `Sequential` and `Trainer` take any `Module`, including a model written as a
// direct `Module` subclass and the language models, whose richer forwards (a cache, a state, a
// mask) also have the one-tensor form that `Trainer` calls.

/// A model written as PyTorch users write one: a direct `Module` subclass with a forward.
private final class Residual: Module {
    let inner = Linear(8, 8)
    override func callAsFunction(_ x: Tensor) -> Tensor { x + inner(x).tanh() }
}

/// Records, at each call, whether its Linear layer holds a packed weight.
private final class PackProbe: Module {
    let inner = Linear(8, 8)
    var sawPacked: [Bool] = []
    override func callAsFunction(_ x: Tensor) -> Tensor {
        sawPacked.append(inner.prepackedWeight != nil)
        return inner(x)
    }
}

/// Next-token data: windows of a repeating 6-token pattern, inputs `[N, T]` and targets shifted by one.
private func patternWindows(count: Int, steps: Int) -> TensorDataset {
    let pattern: [Int64] = [1, 4, 2, 5, 3, 0]
    var inputs: [Int64] = [], targets: [Int64] = []
    for n in 0..<count {
        for t in 0..<steps {
            inputs.append(pattern[(n + t) % pattern.count])
            targets.append(pattern[(n + t + 1) % pattern.count])
        }
    }
    return TensorDataset(inputs: Tensor(inputs, shape: [count, steps]), targets: Tensor(targets, shape: [count, steps]))
}

/// Cross-entropy over every position of `[B, T, V]` logits against `[B, T]` targets.
private func tokenLoss(_ logits: Tensor, _ targets: Tensor) -> Tensor {
    crossEntropy(logits: logits.reshaped([-1, logits.shape[2]]), targets: targets.reshaped([-1]))
}

extension TrainingSuites {
    @Suite("One Module base")
    struct ModuleBaseTests {
        @Test("A direct Module subclass sits in Sequential and trains in Trainer")
        func customModuleTrains() throws {
            try GlobalRandom.isolated(seed: 5) {
                let model = Sequential(Residual(), ReLU(), Linear(8, 4))
                #expect(model.namedParameters().map(\.name) == ["layers.0.inner.weight", "layers.0.inner.bias",
                                                                   "layers.2.weight", "layers.2.bias"])
                let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1))
                trainer.verbose = false
                let data = clusters(count: 128)
                let history = try trainer.fit(DataLoader(data, batchSize: 32), epochs: 4)
                let losses = history["loss"]
                #expect(losses.count == 4)
                #expect(losses.last! < 0.5 * losses.first!, "losses: \(losses)")
            }
        }

        /// `predict` over several batches runs with every Linear weight packed for the CPU kernel
        /// (seen from inside the forward), gives the forward's outputs to float32 rounding, and
        /// leaves the layers as it found them: the copies it packed are dropped, the one the user
        /// packed stays. Over one batch it packs nothing.
        @Test("predict packs the Linear weights once for the call and leaves the layers as they were")
        func predictPacksLinearWeights() {
            GlobalRandom.isolated(seed: 6) {
                let probe = PackProbe(), head = Linear(8, 4)
                head.prepackLinearWeights()   // a model that is a Linear itself is packed too
                let userPacked = head.prepackedWeight
                let model = Sequential(probe, ReLU(), head)
                let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1), metrics: [])
                let x = Tensor.normal([50, 8])
                let want = withoutGradients { model(x) }
                probe.sawPacked = []
                let got = trainer.predict(x, batchSize: 16)
                #expect(got.shape == want.shape)
                for (p, q) in zip(got.floats, want.floats) { #expect(abs(p - q) <= 1e-5 * Swift.max(1, abs(q))) }
                #expect(probe.sawPacked == Array(repeating: userPacked != nil, count: 4))   // packed on CPUs with AVX2
                #expect(probe.inner.prepackedWeight == nil && head.prepackedWeight === userPacked)
                probe.sawPacked = []
                _ = trainer.predict(x, batchSize: 64)
                #expect(probe.sawPacked == [false])
            }
        }

        @Test("GPT and the LSTM language model train in Trainer through their one-tensor forward")
        func languageModelsTrain() throws {
            try GlobalRandom.isolated(seed: 11) {
                let gpt = GPT(GPT.Config(vocabularySize: 6, context: 8, layers: 1, heads: 2, width: 16))
                let lstm = LSTMLanguageModel(LSTMLanguageModel.Config(vocabularySize: 6, embedding: 8, hidden: 16, layers: 1))
                for model in [gpt, lstm] as [Module] {
                    let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 0.01),
                                          loss: tokenLoss, metrics: [])
                    trainer.verbose = false
                    let history = try trainer.fit(DataLoader(patternWindows(count: 48, steps: 8), batchSize: 16), epochs: 12)
                    let losses = history["loss"]
                    // The pattern is deterministic: from log 6 ≈ 1.79 the loss must fall well below it.
                    #expect(losses.first! > 1.2 && losses.last! < 0.5, "\(type(of: model)) losses: \(losses)")
                }
            }
        }

        @Test("The one-tensor forward equals the full form for every module that has a richer one")
        func oneTensorForwardMatches() {
            GlobalRandom.isolated(seed: 3) {
                let x = Tensor.randn([2, 5, 8])
                let ids = Tensor([[1, 2, 3, 4], [5, 0, 1, 2]] as [[Int64]])
                let attention = MultiHeadAttention(width: 8, heads: 2)
                let block = TransformerBlock(width: 8, heads: 2)
                let lstm = LSTM(inputSize: 8, hiddenSize: 6, layers: 2)
                let gru = GRU(inputSize: 8, hiddenSize: 6)
                let gpt = GPT(GPT.Config(vocabularySize: 6, context: 8, layers: 1, heads: 2, width: 8))
                let lm = LSTMLanguageModel(LSTMLanguageModel.Config(vocabularySize: 6, embedding: 8, hidden: 6, layers: 1))
                let pairs: [(String, Tensor, Tensor)] = [
                    ("MultiHeadAttention", (attention as Module)(x), attention(x, causal: false)),
                    ("TransformerBlock", (block as Module)(x), block(x, causal: true)),
                    ("LSTM", (lstm as Module)(x), lstm(x, state: nil).output),
                    ("GRU", (gru as Module)(x), gru(x, state: nil).output),
                    ("GPT", (gpt as Module)(ids), gpt(ids, cache: nil)),
                    ("LSTMLanguageModel", (lm as Module)(ids), lm(ids, state: nil).logits),
                ]
                for (name, short, full) in pairs {
                    #expect(short.shape == full.shape && short.floats == full.floats, "\(name)")
                }
            }
        }
    }
}
