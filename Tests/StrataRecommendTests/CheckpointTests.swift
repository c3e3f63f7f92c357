import Foundation
import Testing
import StrataCore
import StrataRecommend

@Suite struct CheckpointTests {
    let directory = NSTemporaryDirectory() + "strata-recommend-tests-" + UUID().uuidString

    /// A model of `kind` trained for 2 epochs on `table`, drawn from a generator of its own (seed 1).
    func trained(_ kind: RecommenderKind, table: RatingTable) throws -> Recommender {
        try GlobalRandom.isolated(seed: 1) { () throws -> Recommender in
            let options = TrainingOptions(epochs: 2, batchSize: 64, learningRate: 1e-2, l2: 0.01, seed: 1)
            switch kind {
            case .matrixFactorization:
                let m = MatrixFactorization(.init(users: table.users.count, items: table.items.count, factors: 4), globalMean: table.meanRating)
                try m.fit(table, options: options)
                return m
            case .deepFM:
                let features = try! SideFeatures.parse("id,kind\nu1,a\nu2,b\n", ids: table.users)
                let m = DeepFM(.init(users: table.users.count, items: table.items.count, factors: 4, hidden: [8], userFieldSizes: features.fieldSizes),
                               globalMean: table.meanRating, userFeatures: features)
                try m.fit(table, options: options)
                return m
            case .lightGCN:
                let m = LightGCN(.init(users: table.users.count, items: table.items.count, factors: 4, layers: 2))
                try m.fit(table, options: options)
                return m
            }
        }
    }

    @Test(arguments: RecommenderKind.allCases)
    func roundTripsWithIdsAndSeenItems(kind: RecommenderKind) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let table = try RatingTable.parse("user,item,rating\nu1,apple,5\nu1,pear,2\nu2,apple,4\nu2,fig,1\nu3,kiwi,3\n", format: .csv)
        let model = try trained(kind, table: table)
        try RecommenderCheckpoint.save(model, data: table, to: directory)
        let loaded = try RecommenderCheckpoint(directory: directory)
        #expect(loaded.users == table.users && loaded.items == table.items)
        #expect(loaded.model.predictions(users: [0, 1, 2], items: [3, 2, 0]) == model.predictions(users: [0, 1, 2], items: [3, 2, 0]))
        let recommended = try loaded.recommend(user: "u1", count: 5).map(\.item)
        #expect(Set(recommended) == ["fig", "kiwi"])   // apple and pear were rated by u1
        let rating = try loaded.predict(user: "u2", item: "kiwi")
        if kind != .lightGCN { #expect(rating >= 1 && rating <= 5) }
        #expect(throws: RecommenderError.self) { try loaded.recommend(user: "nobody", count: 3) }
        #expect(throws: RecommenderError.self) { try loaded.predict(user: "u1", item: "durian") }
    }

    @Test func missingCheckpointFilesAreErrors() throws {
        let error = #expect(throws: RecommenderError.self) { try RecommenderCheckpoint(directory: directory + "-absent") }
        #expect(error?.description.contains("model.safetensors: no such file") == true)
    }
}
