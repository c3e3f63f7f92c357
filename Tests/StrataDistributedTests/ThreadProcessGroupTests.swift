import Testing
import StrataCore
import StrataDistributed

/// The collectives of `ProcessGroup`, run by `ThreadProcessGroup` with ranks as threads: each
/// result is checked against the formula written out, on every rank.
@Suite struct ThreadProcessGroupTests {
    /// Rank r's values: r·10 + i for i in 0..<5.
    static func values(_ rank: Int) -> [Float] { (0..<5).map { Float(rank * 10 + $0) } }

    @Test(arguments: [1, 2, 4]) func allReduce(worldSize: Int) {
        let results = ThreadProcessGroup.run(worldSize: worldSize) { group -> [[Float]] in
            [ReduceOperation.sum, .average, .max].map { operation in
                var v = Self.values(group.rank)
                v.withUnsafeMutableBufferPointer { group.allReduce($0, operation) }
                return v
            }
        }
        let ranks = 0..<worldSize
        let sum = (0..<5).map { i in ranks.reduce(Float(0)) { $0 + Self.values($1)[i] } }
        for perRank in results {
            #expect(perRank[0] == sum)
            #expect(perRank[1] == sum.map { $0 / Float(worldSize) })
            #expect(perRank[2] == Self.values(worldSize - 1))
        }
        // float64, through the tensor and array helpers.
        let doubles = ThreadProcessGroup.run(worldSize: worldSize) { group -> [Double] in
            let t = Tensor([Double(group.rank), 1], shape: [2])
            group.allReduce(t, .sum)
            return t.doubles + group.allReduce([Double(group.rank)], .max)
        }
        for d in doubles { #expect(d == [Double(worldSize * (worldSize - 1) / 2), Double(worldSize), Double(worldSize - 1)]) }
    }

    @Test func broadcastGatherScatter() {
        let results = ThreadProcessGroup.run(worldSize: 3) { group -> (broadcast: [Float], gathered: [Float], scattered: [Float], shape: Shape) in
            let b = Tensor(Self.values(group.rank), shape: [5])
            group.broadcast(b, root: 2)
            let gathered = group.allGather(Tensor(Self.values(group.rank), shape: [5, 1]))
            // Every rank contributes [0, 1, ..., 5] + rank; block r of the sum goes to rank r.
            let scattered = group.reduceScatter(Tensor((0..<6).map { Float($0 + group.rank) }, shape: [6]))
            return (b.floats, gathered.floats, scattered.floats, gathered.shape)
        }
        for (rank, r) in results.enumerated() {
            #expect(r.broadcast == Self.values(2))
            #expect(r.gathered == Self.values(0) + Self.values(1) + Self.values(2) && r.shape == [15, 1])
            #expect(r.scattered == [Float(6 * rank + 3), Float(6 * rank + 6)])   // elements 2r, 2r+1 of Σ (i + rank')
        }
    }

    /// Ranks 0 and 2 form one sub-group, 1 and 3 another, ordered by descending key: a sum in a
    /// sub-group only counts its members, and ranks follow the keys.
    @Test func split() {
        let results = ThreadProcessGroup.run(worldSize: 4) { group -> (rank: Int, size: Int, sum: Float) in
            let sub = group.split(color: group.rank % 2, key: -group.rank)
            var v: [Float] = [Float(group.rank)]
            v.withUnsafeMutableBufferPointer { sub.allReduce($0, .sum) }
            return (sub.rank, sub.worldSize, v[0])
        }
        #expect(results.map(\.size) == [2, 2, 2, 2])
        #expect(results.map(\.rank) == [1, 1, 0, 0])
        #expect(results.map(\.sum) == [2, 4, 2, 4])
    }
}
