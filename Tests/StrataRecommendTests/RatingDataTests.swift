import StrataIO
import Foundation
import Testing
import StrataCore
import StrataRecommend

@Suite struct RatingDataTests {
    @Test func readsMovieLensUData() throws {
        let table = try RatingTable.parse("196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t302\t1\t878887116\n", format: .movieLens)
        #expect(table.users.ids == ["196", "186"] && table.items.ids == ["242", "302"])
        #expect(table.ratings[2] == Rating(user: 0, item: 1, value: 1, timestamp: 878887116))
        #expect(table.skipped.isEmpty)
    }

    @Test func readsRatingsCSVWithHeaderAndStringIds() throws {
        let table = try RatingTable.parse("userId,movieId,rating,timestamp\r\nalice,tt01,4.5,10\nbob,tt02,3,11\n\n", format: .csv)
        #expect(table.ratings.count == 2 && table.users.ids == ["alice", "bob"])
        #expect(table.ratings[0].value == 4.5 && table.ratings[1].timestamp == 11)
    }

    @Test func readsImplicitPairsWithoutHeader() throws {
        let table = try RatingTable.parse("u1;i1\nu1;i2\nu2;i1\n", format: .csv)
        #expect(table.ratings.count == 3 && table.ratings.allSatisfy { $0.value == 1 && $0.timestamp == nil })
    }

    @Test func reportsBadRowsWithLineNumbers() throws {
        let text = "user,item,rating\nu1,i1,4\nu2,i2\nu3,i3,great\nu4,,2\nu5,i5,5\nu6,i6,3\nu7,i7,1\n"
        let table = try RatingTable.parse(text, path: "r.csv", format: .csv)
        #expect(table.ratings.count == 4)
        #expect(table.skipped.map(\.line) == [3, 4, 5])
        #expect(table.skipped[1].description == "r.csv:4: rating 'great' is not a number")
    }

    @Test func aFileWithNoValidRowIsAnError() throws {
        let error = #expect(throws: FileError.self) { try RatingTable.parse("a,b,x\nc,d,y\ne\n", path: "bad.csv", format: .csv) }
        #expect(error?.description.hasPrefix("bad.csv: no valid rating rows (first problem: line 2") == true)
        #expect(throws: FileError.self) { try RatingTable.read(path: "/nonexistent/ratings.csv") }
    }

    @Test func aFileWhereMostRowsFailIsAnError() throws {
        // Random bytes split into a few "rows" of two fields and many of one: not a ratings file.
        var generator = RandomGenerator(seed: 7)
        let bytes = (0..<3000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let error = #expect(throws: FileError.self) {
            try RatingTable.parse(String(decoding: bytes, as: UTF8.self), path: "noise.csv", format: .csv)
        }
        #expect(error?.description.contains("rows cannot be read") == true)
        #expect(error?.description.contains("is this a ratings file?") == true)
    }

    @Test func aDirectoryOrDeviceIsNamedAsNotAFile() throws {
        let dir = #expect(throws: FileError.self) { try RatingTable.read(path: NSTemporaryDirectory()) }
        #expect(dir?.description.contains("is a directory; expected a file") == true)
        let device = #expect(throws: FileError.self) { try RatingTable.read(path: "/dev/zero") }
        #expect(device?.description.contains("not a regular file") == true)
    }

    @Test func splitsRandomlyLeaveLastAndPerUser() throws {
        let table = SyntheticRatings.lowRank(users: 30, items: 40, count: 600, seed: 3)
        let (train, test) = try table.split(.random(testFraction: 0.2, seed: 1))
        #expect(test.ratings.count == 120 && train.ratings.count == 480)
        let again = try table.split(.random(testFraction: 0.2, seed: 1))
        #expect(again.test.ratings == test.ratings)

        let last = try table.split(.leaveLastOut)
        #expect(last.test.ratings.count == 30)
        let latest = Dictionary(table.ratings.map { ($0.user, $0.timestamp!) }, uniquingKeysWith: Swift.max)
        #expect(last.test.ratings.allSatisfy { latest[$0.user] == $0.timestamp })

        let perUser = try table.split(.perUser(testFraction: 0.25, seed: 2))
        let heldPerUser = Dictionary(grouping: perUser.test.ratings, by: \.user)
        #expect(heldPerUser.count == 30 && perUser.train.ratings.count + perUser.test.ratings.count == 600)

        let untimed = try RatingTable.parse("a,x,1\nb,y,2\n", format: .csv)
        #expect(throws: RecommenderError.self) { try untimed.split(.leaveLastOut) }
    }

    @Test func rankingMetricsOnAKnownRanking() throws {
        let train = try RatingTable.parse("u,i0\nu,i1\nu,i2\nu,i3\nu,i4\n", format: .csv)
        let test = train.with([Rating(user: 0, item: 2, value: 1), Rating(user: 0, item: 4, value: 1)])
        // Scores rank items 0, 1, 2, 3, 4 but 0 and 1 were seen in training... so are 2 and 4 here:
        // use a fresh training table in which only item 0 was seen.
        let seenOnlyFirst = train.with([Rating(user: 0, item: 0, value: 1)])
        let m = RankingMetrics.evaluate(train: seenOnlyFirst, test: test, k: 2) { _ in [5, 4, 3, 2, 1] }
        // Top 2 after removing item 0: items 1 and 2; one hit (item 2) at rank 2.
        #expect(m.precision == 0.5 && m.recall == 0.5 && m.hitRate == 1)
        #expect(Swift.abs(m.ndcg - (1 / log2(3.0)) / (1 + 1 / log2(3.0))) < 1e-12)
        let e = RatingMetrics.errors(predicted: [3.5, 4], actual: [4, 4])
        #expect(Swift.abs(e.rmse - 0.5 / 2.0.squareRoot()) < 1e-12 && e.mae == 0.25)
    }
}
