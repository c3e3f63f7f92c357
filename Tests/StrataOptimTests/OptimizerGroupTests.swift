import Testing
import StrataCore
import StrataOptim
import _StrataTestSupport

// Parameter groups: a group's overrides give exactly the updates of a separate optimizer with
// those settings, and the state layout is that of one group over the same parameter list.

@Suite("Optimizer parameter groups")
struct OptimizerGroupTests {
    /// loss = mean((x·wᵀ + b - y)²) with float32 w [9, 5] (one SIMD block and a remainder) and b [9].
    struct Problem {
        let x = testTensor([6, 5], seed: 31).cast(to: .float32), y = testTensor([6, 9], seed: 32).cast(to: .float32)
        func parameters() -> [Tensor] {
            [leafCopy(testTensor([9, 5], seed: 33).cast(to: .float32)), leafCopy(testTensor([9], seed: 34).cast(to: .float32))]
        }
        func backward(_ w: Tensor, _ b: Tensor) {
            w.grad = nil; b.grad = nil
            (Tensor.matmul(x, w, transposeB: true) + b - y).square().mean().backward()
        }
    }

    /// Optimizers built over groups, and over one list, with the same non-group settings.
    static let makers: [(String, @Sendable ([ParameterGroup], Double) -> Optimizer)] = [
        ("SGD", { SGD(groups: $0, learningRate: 0.05, momentum: 0.9, weightDecay: $1, nesterov: true) }),
        ("Adam", { Adam(groups: $0, learningRate: 0.05, weightDecay: $1) }),
        ("AdamW", { AdamW(groups: $0, learningRate: 0.05, betas: (0.9, 0.99), weightDecay: $1) }),
        ("RMSProp", { RMSProp(groups: $0, learningRate: 0.01, weightDecay: $1, momentum: 0.9, centered: true) }),
        ("Adagrad", { Adagrad(groups: $0, learningRate: 0.1, learningRateDecay: 0.1, weightDecay: $1) }),
    ]

    static func bits(_ t: Tensor) -> [UInt32] { t.toArray(as: Float.self).map(\.bitPattern) }

    @Test("a group with weight decay 0 updates exactly as a separate optimizer without decay", arguments: 0..<5)
    func weightDecayOverride(_ index: Int) {
        let (name, make) = Self.makers[index]
        let problem = Problem()
        let grouped = problem.parameters(), separate = problem.parameters()
        let one = make([ParameterGroup([grouped[0]]), ParameterGroup([grouped[1]], weightDecay: 0)], 0.1)
        let decayed = make([ParameterGroup([separate[0]])], 0.1), undecayed = make([ParameterGroup([separate[1]])], 0)
        for step in 0..<5 {
            // A schedule moves the rate of every group without an override.
            for o in [one, decayed, undecayed] { o.learningRate = 0.05 / Double(step + 1) }
            problem.backward(grouped[0], grouped[1])
            problem.backward(separate[0], separate[1])
            one.step()
            decayed.step(); undecayed.step()
        }
        #expect(Self.bits(grouped[0]) == Self.bits(separate[0]), "\(name): decayed group")
        #expect(Self.bits(grouped[1]) == Self.bits(separate[1]), "\(name): group without decay")
        #expect(Self.bits(grouped[1]) != Self.bits(problem.parameters()[1]), "\(name): the group was updated")
    }

    @Test("a group's learning rate stays fixed while the optimizer's is scheduled", arguments: 0..<5)
    func learningRateOverride(_ index: Int) {
        let (name, make) = Self.makers[index]
        let problem = Problem()
        let grouped = problem.parameters(), separate = problem.parameters()
        let one = make([ParameterGroup([grouped[0]]), ParameterGroup([grouped[1]], learningRate: 0.02)], 0.01)
        let scheduled = make([ParameterGroup([separate[0]])], 0.01), fixed = make([ParameterGroup([separate[1]])], 0.01)
        fixed.learningRate = 0.02
        for step in 0..<4 {
            one.learningRate = 0.1 / Double(step + 1)
            scheduled.learningRate = one.learningRate
            problem.backward(grouped[0], grouped[1])
            problem.backward(separate[0], separate[1])
            one.step(); scheduled.step(); fixed.step()
        }
        #expect(Self.bits(grouped[0]) == Self.bits(separate[0]), "\(name): scheduled group")
        #expect(Self.bits(grouped[1]) == Self.bits(separate[1]), "\(name): group with its own rate")
    }

    @Test("state round trip with groups, and the one-group layout reads into groups", arguments: 0..<5)
    func stateRoundTrip(_ index: Int) throws {
        let (name, make) = Self.makers[index]
        let problem = Problem()
        func groups(_ p: [Tensor]) -> [ParameterGroup] { [ParameterGroup([p[0]]), ParameterGroup([p[1]], weightDecay: 0)] }
        let uninterrupted = problem.parameters()
        let reference = make(groups(uninterrupted), 0.1)
        for _ in 0..<6 { problem.backward(uninterrupted[0], uninterrupted[1]); reference.step() }

        let first = problem.parameters()
        let before = make(groups(first), 0.1)
        for _ in 0..<3 { problem.backward(first[0], first[1]); before.step() }
        let saved = before.stateDict().mapValues { $0.copy() }
        #expect(Set(saved.keys).isSuperset(of: ["step", "lr", "state.0.step", "state.1.step"]), "\(name)")

        let resumedParameters = first.map { leafCopy($0.copy()) }
        let resumed = make(groups(resumedParameters), 0.1)
        try resumed.loadStateDict(saved)
        for _ in 0..<3 { problem.backward(resumedParameters[0], resumedParameters[1]); resumed.step() }
        #expect(Self.bits(resumedParameters[0]) == Self.bits(uninterrupted[0]), "\(name): resumed vs uninterrupted")
        #expect(Self.bits(resumedParameters[1]) == Self.bits(uninterrupted[1]), "\(name): resumed vs uninterrupted")

        // State saved by a one-group optimizer over the same list (the layout before groups existed)
        // loads into the grouped one, buffer for buffer.
        let flat = make([ParameterGroup(problem.parameters())], 0.1)
        let flatParameters = flat.parameters
        problem.backward(flatParameters[0], flatParameters[1]); flat.step()
        let regrouped = make(groups(flatParameters.map { leafCopy($0.copy()) }), 0.1)
        try regrouped.loadStateDict(flat.stateDict())
        #expect(regrouped.stepCount == 1 && regrouped.states.map(\.step) == [1, 1], "\(name)")
        for (key, value) in flat.stateDict() {
            #expect(Self.bits(regrouped.stateDict()[key]!.cast(to: .float32)) == Self.bits(value.cast(to: .float32)), "\(name): \(key)")
        }
    }
}
