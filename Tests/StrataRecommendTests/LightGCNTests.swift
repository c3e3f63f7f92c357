import Testing
import StrataCore
import StrataRecommend
import StrataTrain
import _StrataTestSupport

@Suite struct LightGCNTests {
    let matrix = SparseMatrix(rows: 3, columns: 4, entries: [(0, 1, 0.5), (0, 3, -2), (2, 0, 1.5), (2, 1, 0.25), (0, 1, 0.5)])

    @Test func sparseProductMatchesDense() {
        let x = testTensor([4, 2], seed: 3)
        let dense = Tensor([[0, 1, 0, -2], [0, 0, 0, 0], [1.5, 0.25, 0, 0]] as [[Double]])
        #expect(maxAbsDifference(matrix.multiply(x), dense.matmul(x)) < 1e-12)
        #expect(matrix.nonZeroCount == 4)   // the repeated (0, 1) entries were summed
    }

    @Test func sparseProductGradientCheck() {
        #expect(gradientCheck([testTensor([4, 3], seed: 4)]) { matrix.multiply($0[0]).tanh() } < 1e-6)
    }

    @Test func bprLossGradientCheckAndValue() {
        #expect(gradientCheck([testTensor([5], seed: 1), testTensor([5], seed: 2)]) { bprLoss(positive: $0[0], negative: $0[1]) } < 1e-6)
        // -log σ(2) for one pair with positive 3, negative 1.
        let loss = bprLoss(positive: Tensor([3] as [Double]), negative: Tensor([1] as [Double])).item()
        #expect(Swift.abs(loss - 0.126928011) < 1e-8)
    }

    @Test func normalizedAdjacencyIsSymmetricWithDegreeWeights() throws {
        let table = try RatingTable.parse("a,x\na,y\nb,x\na,x\n", format: .csv)
        let graph = SparseMatrix.normalizedAdjacency(table)   // nodes a, b, x, y
        let weights = Dictionary(graph.entries.map { ("\($0.row)-\($0.column)", $0.value) }, uniquingKeysWith: +)
        #expect(graph.rows == 4 && graph.nonZeroCount == 6)
        #expect(Swift.abs(weights["0-2"]! - 1 / (2 * 2).squareRoot()) < 1e-12)   // a has 2 items, x has 2 users
        #expect(Swift.abs(weights["3-0"]! - 1 / (2 * 1).squareRoot()) < 1e-12)
        #expect(weights["2-1"] == weights["1-2"])
    }

    /// Ten communities of 40 users and 40 items; each user's held-out items should rank far
    /// above the ~10/|items| recall that a random ranking gives (knowing the community perfectly
    /// but nothing else would give about 0.4).
    @Test func ranksHeldOutItemsFarAboveRandom() throws {
        try GlobalRandom.isolated(seed: 2) {
            let table = SyntheticRatings.clustered(users: 400, items: 400, clusters: 10, perUser: 20, inCluster: 0.9, seed: 5)
            let (train, test) = try table.split(.perUser(testFraction: 0.2, seed: 1))
            let model = LightGCN(.init(users: table.users.count, items: table.items.count, factors: 16, layers: 2))
            let history = try model.fit(train, validation: test, options: TrainingOptions(epochs: 15, batchSize: 256, learningRate: 1e-2, l2: 1e-4, seed: 3))
            let recall = try #require(history["val_recall_at_10"].last), ndcg = try #require(history["val_ndcg_at_10"].last)
            var rng = RandomGenerator(seed: 9)
            let random = RankingMetrics.evaluate(train: train, test: test, k: 10) { _ in (0..<400).map { _ in Float(rng.nextUniform()) } }
            #expect(random.recall < 0.05)
            #expect(recall > 5 * random.recall && recall > 0.25, "recall@10 \(recall) vs random \(random.recall), ndcg@10 \(ndcg)")
            #expect(ndcg > 0.2)
        }
    }
}
