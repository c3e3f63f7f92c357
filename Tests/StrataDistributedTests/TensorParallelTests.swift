import Testing
import StrataCore
import StrataDistributed
import StrataModels
import StrataNN

/// Megatron-style tensor parallelism over ranks that are threads (`ThreadProcessGroup`).
@Suite struct TensorParallelTests {
    /// Megatron's f (`enterRegion`) and g (`leaveRegion`) against central differences. Each rank
    /// computes y = g(f(x) ⊙ a_rank) and the loss c · y, the same on both ranks (x is whole on
    /// each); the gradient of x, through f's backward sum, is (a_0 + a_1) ⊙ c. Both ranks move
    /// the same element of x together, as a collective forward pass needs.
    @Test func regionOperationsMatchFiniteDifferences() {
        let results = ThreadProcessGroup.run(worldSize: 2) { group -> (analytic: [Float], numeric: [Float]) in
            let tp = TensorParallelGroup(group)
            var g = RandomGenerator(seed: 21)
            let x0 = Tensor.normal([5], generator: &g).floats
            let a = Tensor.normal([5], generator: &g).floats.map { $0 * Float(group.rank + 1) }
            let c = Tensor.normal([5], generator: &g).floats
            func loss(_ values: [Float]) -> (Double, Tensor) {
                let x = Tensor(values, shape: [5], requiresGrad: true)
                let y = tp.leaveRegion(tp.enterRegion(x) * Tensor(a, shape: [5]))
                return ((y * Tensor(c, shape: [5])).sum().item(), x)
            }
            let x = Tensor(x0, shape: [5], requiresGrad: true)
            (tp.leaveRegion(tp.enterRegion(x) * Tensor(a, shape: [5])) * Tensor(c, shape: [5])).sum().backward()
            let h: Float = 1e-2
            let numeric = (0..<5).map { i -> Float in
                var up = x0, down = x0
                up[i] += h; down[i] -= h
                return Float((loss(up).0 - loss(down).0) / Double(2 * h))
            }
            return (x.grad!.floats, numeric)
        }
        for r in results {
            for (p, q) in zip(r.analytic, r.numeric) { #expect(abs(p - q) <= 2e-3 * Swift.max(1, abs(q)), "\(r.analytic) vs \(r.numeric)") }
        }
        #expect(results[0].analytic == results[1].analytic)
    }

    /// A GPT sharded over 2 ranks gives the whole model's logits, and one SGD step on its shards
    /// and whole parameters, gathered back with `unshard()`, gives the whole model's updated
    /// weights: every gradient (sharded matrices, biases applied once after g, replicated norms
    /// and embeddings) equals the single-process one to float32 rounding.
    @Test func shardedGPTMatchesTheWholeModel() throws {
        let config = GPT.Config(vocabularySize: 13, context: 8, layers: 2, heads: 4, width: 16)
        let ids = Tensor((0..<16).map { Int32(($0 * 7 + 3) % 13) }, shape: [2, 8])
        let targets = Tensor((0..<16).map { Int32(($0 * 5 + 1) % 13) }, shape: [2, 8])
        let whole = GPT(config)
        let start = whole.stateDict().mapValues { t in withoutGradients { t * 1.0 } }
        let wholeLogits = Self.step(whole, ids, targets)
        let wholeState = whole.stateDict()
        let copies = try (0..<2).map { _ -> GPT in
            let copy = GPT(config)
            try copy.loadStateDict(start)
            return copy
        }
        nonisolated(unsafe) let models = copies, batch = (ids, targets)
        let results = ThreadProcessGroup.run(worldSize: 2) { group -> (logits: [Float], state: [String: [Float]], local: Int) in
            let model = models[group.rank]
            let sharded = model.shard(over: TensorParallelGroup(group))
            let local = model.blocks[0].attention.inProjection.weight.shape[0]
            #expect(sharded.count == 2 * 6)   // per block: qkv weight and bias, out weight, fc weight and bias, proj weight
            let logits = Self.step(model, batch.0, batch.1)
            model.unshard()
            return (logits, model.stateDict().mapValues(\.floats), local)
        }
        for r in results {
            #expect(r.local == 24)   // 3 x 16 rows split over 2 ranks
            for (p, q) in zip(r.logits, wholeLogits) { #expect(abs(p - q) <= 1e-5 * Swift.max(1, abs(q))) }
            #expect(Set(r.state.keys) == Set(wholeState.keys))
            for (key, expected) in wholeState {
                let got = r.state[key] ?? [], want = expected.floats
                #expect(got.count == want.count, "\(key)")
                let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 1e-5, "\(key): differs by \(worst)")
            }
        }
    }

    /// Logits of `ids`, then one SGD step (lr 0.5) on the cross-entropy against `targets`.
    static func step(_ model: GPT, _ ids: Tensor, _ targets: Tensor) -> [Float] {
        let logits = model(ids)
        crossEntropy(logits: logits.reshaped([-1, 13]), targets: targets.reshaped([-1])).backward()
        withoutGradients { for p in model.parameters() { p.assign(p - p.grad! * 0.5) } }
        return logits.floats
    }
}
