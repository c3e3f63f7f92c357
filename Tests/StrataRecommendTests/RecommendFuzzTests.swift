import Foundation
import Testing
import StrataCore
import StrataIO
import StrataRecommend
import _StrataTestSupport

/// Damaged rating files, side-feature files and recommender checkpoint directories: every case
/// must end in the reader's error or a result that agrees with itself; never a crash or a hang.
@Suite("recommender fuzzing", .serialized)
struct RecommendFuzzTests {
    static let ratingsCSV = Array("user,item,rating,timestamp\nu1,apple,5,881250949\nu1,pear,2,881250950\nu2,apple,4,881250951\nu2,fig,1,881250952\nu3,kiwi,3.5,881250953\nu3,pear,4,881250954\n".utf8)
    static let ratingsMovieLens = Array("196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n244\t51\t2\t880606923\n166\t346\t1\t886397596\n".utf8)

    static func expectClean(_ summary: FuzzSummary) {
        #expect(summary.passed, "\(summary.report)")
        #expect(summary.errors > 0 && summary.successes > 0)
    }

    static func checkConsistent(_ table: RatingTable) throws {
        try FuzzRun.check(!table.ratings.isEmpty, "no ratings")
        for rating in table.ratings {
            try FuzzRun.check(Int(rating.user) >= 0 && Int(rating.user) < table.users.count
                                  && Int(rating.item) >= 0 && Int(rating.item) < table.items.count && rating.value.isFinite,
                              "rating \(rating) outside \(table.users.count) users and \(table.items.count) items")
        }
    }

    @Test("rating files: CSV with a header and MovieLens u.data")
    func ratingFiles() throws {
        let scratch = try FuzzDirectory("ratings")
        for (name, original, seed) in [("ratings.csv", Self.ratingsCSV, UInt64(0x2A7)), ("u.data", Self.ratingsMovieLens, 0x2A8)] {
            Self.expectClean(FuzzRun.run("ratings \(name)", FuzzCases(original, seed: seed, budget: .text(truncations: 300, textEdits: 300)),
                                         expected: { $0 is FileError }) { fuzzCase in
                try Self.checkConsistent(try RatingTable.read(path: try scratch.write(fuzzCase.bytes, to: name)))
            })
        }
    }

    @Test("side-feature files")
    func sideFeatures() throws {
        let scratch = try FuzzDirectory("side-features")
        let table = try RatingTable.parse(String(decoding: Self.ratingsCSV, as: UTF8.self), format: .csv)
        let original = Array("user|age|gender|occupation\nu1|24|M|technician\nu2|53|F|other\nu3|23|M|writer\n".utf8)
        Self.expectClean(FuzzRun.run("side features", FuzzCases(original, seed: 0x51DE, budget: .text(truncations: 200, textEdits: 300)),
                                     expected: { $0 is FileError }) { fuzzCase in
            let features = try SideFeatures.read(path: try scratch.write(fuzzCase.bytes, to: "u.user"), ids: table.users)
            try FuzzRun.check(features.fieldNames.count == features.fieldSizes.count && features.values.count == table.users.count,
                              "\(features.fieldNames.count) names, \(features.fieldSizes.count) sizes, \(features.values.count) rows")
            for row in features.values {
                try FuzzRun.check(row.count == features.fieldSizes.count
                                      && zip(row, features.fieldSizes).allSatisfy { $0 >= 0 && Int($0) < $1 }, "row \(row)")
            }
        })
    }

    @Test("recommender checkpoint directories (MF, DeepFM, LightGCN)", arguments: RecommenderKind.allCases)
    func checkpoint(kind: RecommenderKind) throws {
        try GlobalRandom.isolated(seed: 3) {
            let scratch = try FuzzDirectory("recommender-checkpoint")
            let table = try RatingTable.parse(String(decoding: Self.ratingsCSV, as: UTF8.self), format: .csv)
            let model: Recommender
            switch kind {
            case .matrixFactorization:
                model = MatrixFactorization(.init(users: table.users.count, items: table.items.count, factors: 3), globalMean: table.meanRating)
            case .deepFM:
                let features = try SideFeatures.parse("id,kind\nu1,a\nu2,b\n", ids: table.users)
                model = DeepFM(.init(users: table.users.count, items: table.items.count, factors: 3, hidden: [4], userFieldSizes: features.fieldSizes),
                               globalMean: table.meanRating, userFeatures: features)
            case .lightGCN:
                model = LightGCN(.init(users: table.users.count, items: table.items.count, factors: 3, layers: 2))
            }
            try RecommenderCheckpoint.save(model, data: table, to: scratch.path)
            let weights = [UInt8](try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/model.safetensors")))
            let ids = [UInt8](try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/ids.json")))
            let seed = 0xDEC0 + UInt64(RecommenderKind.allCases.firstIndex(of: kind)!) * 100
            var budget = FuzzCheckpoint.Budget()
            budget.metadataValue.textEdits = 120
            let cases = try FuzzCheckpoint.safetensorsCases(weights, file: "model.safetensors", seed: seed, budget: budget)
                + FuzzCases(ids, seed: seed + 50, budget: FuzzCases.Budget(truncations: 40, bitFlips: 60, fieldPositions: 2, rangeEdits: 30, textEdits: 100)).replacing("ids.json")
            let summary = FuzzCheckpoint.run("recommender checkpoint (\(kind.rawValue))", directory: scratch.path, cases: cases,
                                             expected: { $0 is RecommenderError || $0 is FileError || $0 is ConfigError }) {
                let loaded = try RecommenderCheckpoint(directory: scratch.path)
                try FuzzRun.check(loaded.users.count == loaded.model.userCount && loaded.items.count == loaded.model.itemCount
                                      && loaded.seen.count == loaded.users.count, "counts disagree")
                let user = loaded.users.ids[0]
                let top = try loaded.recommend(user: user, count: 3)
                try FuzzRun.check(top.count <= 3, "\(top.count) recommendations")
                _ = try loaded.predict(user: user, item: loaded.items.ids[0])
            }
            Self.expectClean(summary)
        }
    }
}

/// Regressions found by the recommender fuzz test.
@Suite("recommender checkpoint fuzz findings", .serialized)
struct RecommendFuzzFindingTests {
    func savedDeepFM() throws -> FuzzDirectory {
        let scratch = try FuzzDirectory("recommender-finding")
        let table = try RatingTable.parse(String(decoding: RecommendFuzzTests.ratingsCSV, as: UTF8.self), format: .csv)
        let features = try SideFeatures.parse("id,kind\nu1,a\nu2,b\n", ids: table.users)
        let model = DeepFM(.init(users: table.users.count, items: table.items.count, factors: 3, hidden: [4], userFieldSizes: features.fieldSizes),
                           globalMean: table.meanRating, userFeatures: features)
        try RecommenderCheckpoint.save(model, data: table, to: scratch.path)
        return scratch
    }

    /// A damaged DeepFM attribute row indexed outside the embedding table: a trap at the first prediction.
    @Test func deepFMAttributeRowOutsideItsFieldIsAnError() throws {
        let scratch = try savedDeepFM()
        let path = scratch.path + "/model.safetensors"
        var (tensors, metadata) = try SafeTensors.load(path: path)
        let key = try #require(tensors.keys.first { $0.lowercased().contains("userattributes") }, "\(tensors.keys.sorted())")
        var rows = tensors[key]!.toArray(as: Int32.self)
        rows[0] = -1_346_614_212
        tensors[key] = Tensor(rows, shape: tensors[key]!.shape)
        try SafeTensors.save(tensors, metadata: metadata, to: path)
        metadata.removeAll()
        let error = #expect(throws: RecommenderError.self) { try RecommenderCheckpoint(directory: scratch.path) }
        #expect(error?.description.contains("outside its field's rows") == true, "\(String(describing: error))")
    }

    /// An id listed twice in ids.json collapsed in the id map, leaving fewer ids than the model has rows.
    @Test func duplicateIdInIdsJSONIsAnError() throws {
        let scratch = try savedDeepFM()
        try Data(#"{"items":["apple","pear","fig","kiwi"],"users":["u1","u1","u3"]}"#.utf8)
            .write(to: URL(fileURLWithPath: scratch.path + "/ids.json"))
        let error = #expect(throws: RecommenderError.self) { try RecommenderCheckpoint(directory: scratch.path) }
        #expect(error?.description.contains("lists an id twice") == true, "\(String(describing: error))")
    }

    /// A config edited to 2^24 users built a 100-million-parameter model before the tensors were checked.
    @Test func configLargerThanTheStoredTensorsIsAnError() throws {
        let scratch = try savedDeepFM()
        let path = scratch.path + "/model.safetensors"
        var (tensors, metadata) = try SafeTensors.load(path: path)
        metadata["config"] = metadata["config"]!.replacingOccurrences(of: "\"users\":3", with: "\"users\":16777216")
        try SafeTensors.save(tensors, metadata: metadata, to: path)
        tensors.removeAll()
        let error = #expect(throws: ConfigError.self) { try RecommenderCheckpoint(directory: scratch.path) }
        #expect(error?.description.contains("stores only") == true, "\(String(describing: error))")
    }
}
