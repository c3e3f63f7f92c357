import Foundation
import Testing
import StrataCore
import StrataModels

@Suite("Token sampling")
struct TokenSamplerTests {
    @Test func greedyAndTopKOne() {
        let logits: [Float] = [0.1, 2.5, -1, 2.4]
        var greedy = TokenSampler(temperature: 0)
        var topOne = TokenSampler(temperature: 1.5, topK: 1, seed: 9)
        #expect(greedy.sample(logits) == 1 && topOne.sample(logits) == 1)
    }

    @Test func frequenciesFollowTheSoftmax() {
        let logits: [Float] = [0, 1, 2]
        var sampler = TokenSampler(temperature: 1, seed: 42)
        var counts = [0, 0, 0]
        for _ in 0..<30_000 { counts[sampler.sample(logits)] += 1 }
        let z = [0.0, 1, 2].map { exp($0) }, total = z.reduce(0, +)
        for i in 0..<3 {
            #expect(abs(Double(counts[i]) / 30_000 - z[i] / total) < 0.01, "token \(i): \(counts[i])")
        }
    }

    @Test func topKAndTopPCutTheTail() {
        let logits: [Float] = [3, 2.9, 0, -1, -2]
        var topK = TokenSampler(temperature: 1, topK: 2, seed: 1)
        var topP = TokenSampler(temperature: 1, topP: 0.5, seed: 1)
        for _ in 0..<2000 {
            #expect(topK.sample(logits) < 2)
            #expect(topP.sample(logits) == 0)   // token 0 alone holds more than half the mass
        }
    }

    /// The draw over the whole vocabulary sorted by logit, as the sampler defines it (the
    /// reference: the sampler sorts only the tokens near the best unless the draw needs more).
    static func reference(_ logits: [Float], temperature: Double, topK: Int?, topP: Double?, u: Double) -> Int {
        var order = logits.indices.sorted { logits[$0] > logits[$1] }
        if let topK { order = Array(order.prefix(topK)) }
        let peak = Double(logits[order[0]])
        var weights = order.map { exp((Double(logits[$0]) - peak) / temperature) }
        if let topP {
            let total = weights.reduce(0, +)
            var mass = 0.0, keep = 0
            while keep < weights.count && mass < topP * total { mass += weights[keep]; keep += 1 }
            order = Array(order.prefix(max(keep, 1)))
            weights = Array(weights.prefix(order.count))
        }
        var r = u * weights.reduce(0, +)
        for (i, w) in weights.enumerated() {
            r -= w
            if r < 0 { return order[i] }
        }
        return order[order.count - 1]
    }

    /// Large vocabularies: the same tokens as the full sort, with and without cuts, and where one
    /// token alone is near the best (top-k beyond it, or top-p 1, then need the full order).
    @Test(arguments: [(1.0, nil, nil), (0.7, nil, nil), (0.8, 40, nil), (1.0, nil, 0.9), (1.2, 50, 0.95), (1.0, nil, 1.0)]
          as [(Double, Int?, Double?)])
    func largeVocabularyMatchesTheFullSort(temperature: Double, topK: Int?, topP: Double?) {
        var rng = SystemRandomNumberGenerator()
        let spread = (0..<20_000).map { _ in Float.random(in: -12...12, using: &rng) }
        let lonely = [Float(0)] + (0..<1000).map { _ in Float(temperature) * Float.random(in: -30 ... -25, using: &rng) }
        for logits in [spread, lonely] {
            for seed in UInt64(0)..<100 {
                var sampler = TokenSampler(temperature: temperature, topK: topK, topP: topP, seed: seed)
                var twin = RandomGenerator(seed: seed)
                let want = Self.reference(logits, temperature: temperature, topK: topK, topP: topP, u: twin.nextUniform())
                #expect(sampler.sample(logits) == want, "seed \(seed)")
            }
        }
    }
}
