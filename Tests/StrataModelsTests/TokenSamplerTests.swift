import Foundation
import Testing
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
}
