import StrataIO
import Testing
import StrataCore
import StrataRecommend
import StrataTrain
import _StrataTestSupport

@Suite struct DeepFMTests {
    /// The factorisation-machine term equals the sum of pairwise dot products of the fields.
    @Test func secondOrderTermIsThePairwiseInteraction() {
        GlobalRandom.isolated(seed: 1) {
            let features = SideFeatures(fieldNames: ["g"], fieldSizes: [3], values: [[1], [2], [0]])
            let model = DeepFM(.init(users: 3, items: 4, factors: 5, hidden: [], userFieldSizes: [3], itemFieldSizes: [2]),
                               userFeatures: features)
            let y = model(users: [1], items: [2]).item()
            let e = model.embedding.toArray(as: Float.self)
            // Rows: user 1, item 2 (offset 3), its group category 2 (offset 7), item attribute unknown (offset 10).
            let rows = [1, 3 + 2, 7 + 2, 10 + 0].map { Array(e[($0 * 5)..<($0 * 5 + 5)]) }
            var pairwise: Float = 0
            for a in 0..<4 { for b in (a + 1)..<4 { pairwise += zip(rows[a], rows[b]).map(*).reduce(0, +) } }
            let deep = model.mlp(Tensor(rows.flatMap { $0 }, shape: [1, 20])).item()   // w₀ and first-order weights start at 0
            #expect(Swift.abs(y - (Double(pairwise) + deep)) < 1e-5, "y \(y), pairwise \(pairwise), deep \(deep)")
        }
    }

    @Test func learnsRatingsWithSideFeatures() throws {
        try GlobalRandom.isolated(seed: 4) {
            let table = SyntheticRatings.lowRank(users: 300, items: 200, count: 20_000, rank: 4, signal: 1, noise: 0.3, rounded: false, seed: 11)
            let (train, test) = try table.split(.random(testFraction: 0.1, seed: 2))
            let text = "userId,group\n" + (1...300).map { "\($0),g\($0 % 3)" }.joined(separator: "\n")
            let groups = try SideFeatures.parse(text, ids: table.users)
            #expect(groups.fieldNames == ["group"] && groups.fieldSizes == [4])
            let model = DeepFM(.init(users: 300, items: 200, factors: 8, hidden: [32], userFieldSizes: groups.fieldSizes),
                               globalMean: train.meanRating, userFeatures: groups)
            let history = try model.fit(train, validation: test, options: TrainingOptions(epochs: 12, batchSize: 256, learningRate: 5e-3, l2: 0.01, seed: 1))
            let baseline = RatingMetrics.errors(predicted: [Float](repeating: Float(train.meanRating), count: test.ratings.count),
                                                actual: test.ratings.map(\.value)).rmse
            let rmse = try #require(history["val_rmse"].last)
            #expect(rmse < 0.6 * baseline, "DeepFM RMSE \(rmse), mean-only baseline \(baseline)")
        }
    }

    @Test func learnsClicks() throws {
        try GlobalRandom.isolated(seed: 5) {
            let table = SyntheticRatings.lowRank(users: 200, items: 150, count: 12_000, rank: 4, signal: 1, noise: 0.3, seed: 12)
            let (train, test) = try table.split(.random(testFraction: 0.15, seed: 3))
            let model = DeepFM(.init(users: 200, items: 150, factors: 8, hidden: [16], target: .click))
            let history = try model.fit(train, validation: test, options: TrainingOptions(epochs: 10, batchSize: 256, learningRate: 5e-3, l2: 0.01, seed: 1))
            let auc = try #require(history["val_auc"].last)
            #expect(auc > 0.8, "click AUC \(auc)")
            #expect(model.predictions(users: [0, 1], items: [0, 1]).allSatisfy { $0 > 0 && $0 < 1 })
        }
    }

    @Test func clickMetricsOnKnownScores() {
        let m = ClickMetrics.evaluate(probabilities: [0.9, 0.2, 0.6, 0.6], labels: [true, false, false, true])
        #expect(m.accuracy == 0.75)
        #expect(Swift.abs(m.auc - 0.875) < 1e-12)   // pairs: (0.9>0.2), (0.9>0.6), (0.6=0.6 counts half), (0.6>0.2)
    }

    @Test func sideFeaturesReportBadRowsAndUnknownIds() throws {
        let ids = IDMap(["1", "2", "3"])
        let f = try SideFeatures.parse("1|24|M\n2|53\n9|30|F\n3|30|F\n", path: "u.user", ids: ids)
        #expect(f.fieldNames == ["field1", "field2"] && f.fieldSizes == [3, 3])
        #expect(f.values == [[1, 1], [0, 0], [2, 2]])
        #expect(f.skipped.map(\.description) == ["u.user:2: expected 3 fields, found 2", "u.user:3: id '9' does not occur in the ratings"])
        #expect(throws: FileError.self) { try SideFeatures.parse("x|1\ny|2\n", path: "bad", ids: ids) }
    }
}
