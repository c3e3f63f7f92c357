import ArgumentParser
import Foundation
import Strata

/// `strata collectives-check --out DIR` (hidden): run under `mpirun`, every rank runs each
/// collective of its `ProcessGroup` on inputs made from its rank and writes what it received to
/// `DIR/rank-R.json`; the tests compare those with the values the collectives must give.
struct CollectivesCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collectives-check", abstract: "Run each collective once and write the results (for tests).",
        shouldDisplay: false)

    @Option(help: "Directory for rank-R.json.") var out: String

    func run() throws {
        let group: ProcessGroup
        do { group = try DistributedRuntime.worldGroup() } catch { throw UserFacingError("\(error)") }
        let r = group.rank, n = group.worldSize
        var results: [String: JSONValue] = ["rank": JSONValue(r), "world_size": JSONValue(n)]
        func floats(_ values: [Float]) -> JSONValue { .array(values.map { JSONValue(Double($0)) }) }

        // allreduce: sum, average, max (float32), sum (float64)
        for (name, operation) in [("sum", ReduceOperation.sum), ("average", .average), ("max", .max)] {
            var values: [Float] = (0..<5).map { Float((r + 1) * ($0 + 1)) }
            values.withUnsafeMutableBufferPointer { group.allReduce($0, operation) }
            results["allreduce_\(name)"] = floats(values)
        }
        let doubles = group.allReduce([0.1 * Double(r + 1), 1e300 / Double(n)], ReduceOperation.sum)
        results["allreduce_double_sum"] = .array(doubles.map { JSONValue($0) })
        // A buffer of 3 M elements (12 MB, several MPI messages): element i of rank r holds (i % 7) + r.
        let large = Tensor((0..<3_000_000).map { Float($0 % 7 + r) })
        group.allReduce(large, .sum)
        let largeValues = large.toArray(as: Float.self)
        let largeErrors = largeValues.indices.filter { i in largeValues[i] != Float(n * (i % 7) + n * (n - 1) / 2) }.count
        results["allreduce_large_errors"] = JSONValue(largeErrors)
        // broadcast from the last rank
        let root = n - 1
        let broadcast = Tensor((0..<4).map { Float(r * 10 + $0) })
        group.broadcast(broadcast, root: root)
        results["broadcast"] = floats(broadcast.toArray(as: Float.self))
        // allgather of 3 values per rank, and reduce-scatter of 2 per rank
        let gathered = group.allGather(Tensor((0..<3).map { Float(r * 100 + $0) }))
        results["allgather"] = floats(gathered.toArray(as: Float.self))
        let scattered = group.reduceScatter(Tensor((0..<(2 * n)).map { Float($0 + r) }))
        results["reduce_scatter"] = floats(scattered.toArray(as: Float.self))
        group.barrier()
        // split into even and odd ranks: each sub-group sums its ranks
        let sub = group.split(color: r % 2, key: r)
        let subSum = sub.allReduce([Double(r)], ReduceOperation.sum)[0]
        results["split"] = .array([JSONValue(sub.rank), JSONValue(sub.worldSize), JSONValue(subSum)])
        // DistributedDataParallel: rank 0's parameters broadcast; gradients summed in buckets of
        // 64 bytes (several per call); rank 1 has no gradient for parameter 1.
        Tensor.manualSeed(UInt64(7 + r))
        let parameters = [Tensor.normal([3, 5]), Tensor.normal([20]), Tensor.normal([2, 2])]
        let ddp = DistributedDataParallel(parameters: parameters, group: group, bucketBytes: 64)
        ddp.broadcastParameters()
        for (i, p) in parameters.enumerated() where !(r == 1 && i == 1) {
            let values: [Float] = (0..<p.count).map { j in Float(j + 1) * Float(r + 1) + Float(i) }
            p.grad = Tensor(values, shape: p.shape)
        }
        ddp.allReduceGradients(ReduceOperation.sum)
        results["ddp_buckets"] = JSONValue(ddp.buckets.count)
        results["ddp_parameters"] = .array(parameters.map { floats($0.toArray(as: Float.self)) })
        results["ddp_gradients"] = .array(parameters.map { floats($0.grad!.toArray(as: Float.self)) })
        try JSONValue.object(results).write(to: "\(out)/rank-\(r).json")
    }
}
