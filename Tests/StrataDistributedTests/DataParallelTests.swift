import Testing
import StrataCore
import StrataDistributed

/// `DistributedDataParallel` over ranks that are threads (`ThreadProcessGroup`): its buckets,
/// its parameter broadcast, and gradients summed over ranks equal the gradient of the whole batch.
@Suite struct DataParallelTests {
    /// Buckets take parameters in reverse order, hold at most `bucketBytes` unless one parameter
    /// alone is larger, and cover every parameter once.
    @Test func buckets() {
        let parameters = [Tensor.zeros([10]), Tensor.zeros([3]), Tensor.zeros([40]), Tensor.zeros([2]), Tensor.zeros([2])]
        let ddp = DistributedDataParallel(parameters: parameters, group: SingleProcessGroup(), bucketBytes: 64)
        // 8 + 8 bytes; 160 alone (over the cap); 12 + 40.
        #expect(ddp.buckets == [[4, 3], [2], [1, 0]])
        for bucket in ddp.buckets where bucket.count > 1 { #expect(bucket.reduce(0) { $0 + parameters[$1].count * 4 } <= 64) }
        #expect(ddp.buckets.flatMap { $0 }.sorted() == Array(parameters.indices))
    }

    /// A linear model's squared error over 8 rows: 2 ranks with 4 rows each, their losses scaled by
    /// 4/8 and their gradients summed, give the gradient of the 8-row loss (to float32 rounding);
    /// a rank without a gradient counts as zeros; parameters start from rank 0's values.
    @Test func summedGradientsEqualTheWholeBatch() {
        let x = (0..<8).map { r in (0..<3).map { Float(r * 3 + $0) / 10 } }, y: [Float] = (0..<8).map { Float($0 % 3) }
        func gradients(rows: Range<Int>, scale: Double, w: [Float]) -> [Float] {
            let weight = Tensor(w, shape: [3, 1], requiresGrad: true)
            let input = Tensor(Array(x[rows].joined()), shape: [rows.count, 3])
            let target = Tensor(Array(y[rows]), shape: [rows.count, 1])
            let loss = (input.matmul(weight) - target).square().mean() * scale
            loss.backward()
            return weight.grad!.floats
        }
        let start: [Float] = [0.5, -0.25, 1]
        let whole = gradients(rows: 0..<8, scale: 1, w: start)
        // Each rank's gradient of its half, computed here; the collective runs on the threads.
        let halves = [gradients(rows: 0..<4, scale: 0.5, w: start), gradients(rows: 4..<8, scale: 0.5, w: start)]
        let results = ThreadProcessGroup.run(worldSize: 2) { group -> (weights: [Float], grad: [Float], empty: [Float]) in
            let weight = Tensor(group.rank == 0 ? start : [9, 9, 9], shape: [3, 1])
            let bias = Tensor.zeros([1])
            let ddp = DistributedDataParallel(parameters: [weight, bias], group: group, bucketBytes: 8)
            ddp.broadcastParameters()
            weight.grad = Tensor(halves[group.rank], shape: [3, 1])
            bias.grad = group.rank == 0 ? Tensor([2] as [Float]) : nil
            ddp.allReduceGradients()
            return (weight.floats, weight.grad!.floats, bias.grad!.floats)
        }
        for r in results {
            #expect(r.weights == start)
            #expect(zip(r.grad, whole).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }, "\(r.grad) vs \(whole)")
            #expect(r.empty == [2])
        }
        #expect(results[0].grad == results[1].grad)
    }

    /// With backward's hook, buckets start while backward still runs, in bucket order on every
    /// rank, and the gradients equal those of the exchange after backward, bit for bit. A
    /// 3-layer model in buckets of one parameter: the last layer's bucket starts first; the input
    /// layer's weight is also used by a second branch, so its bucket waits for that branch.
    @Test func exchangeDuringBackwardEqualsTheExchangeAfterIt() {
        @Sendable func step(overlap: Bool, group: ProcessGroup) -> (grads: [[Float]], early: Int) {
            var g = RandomGenerator(seed: UInt64(7 + group.rank))
            let w1 = Tensor.normal([4, 6], generator: &g, requiresGrad: true), w2 = Tensor.normal([6, 5], generator: &g, requiresGrad: true)
            let w3 = Tensor.normal([5, 2], generator: &g, requiresGrad: true), b3 = Tensor.zeros([2], requiresGrad: true)
            let unused = Tensor.zeros([3], requiresGrad: true)
            let x = Tensor.normal([8, 4], generator: &g)
            let ddp = DistributedDataParallel(parameters: [w1, w2, w3, b3, unused], group: group, bucketBytes: 4)
            let h = x.matmul(w1)
            let loss = (h.relu().matmul(w2).tanh().matmul(w3) + b3).square().mean() + h.square().mean() * 0.1
            loss.backward(onLeafGradient: overlap ? ddp.gradientReady : nil)
            let early = ddp.overlappedBuckets
            ddp.allReduceGradients()
            return ([w1, w2, w3, b3, unused].map { $0.grad!.floats }, early)
        }
        let results = ThreadProcessGroup.run(worldSize: 2) { group in (step(overlap: true, group: group), step(overlap: false, group: group)) }
        for (overlapped, after) in results {
            // Buckets run unused, b3, w3, w2, w1: `unused` never gets a gradient, so nothing may
            // start before the end; the order rule holds every other bucket back.
            #expect(overlapped.early == 0)
            #expect(overlapped.grads == after.grads)
            #expect(after.early == 0)
        }
        #expect(results[0].0.grads == results[1].0.grads)
        // Without the unused parameter, every bucket starts during backward.
        let started = ThreadProcessGroup.run(worldSize: 2) { group -> (Int, [[Float]]) in
            var g = RandomGenerator(seed: 3)
            let w1 = Tensor.normal([4, 6], generator: &g, requiresGrad: true), w2 = Tensor.normal([6, 2], generator: &g, requiresGrad: true)
            let x = Tensor.normal([8, 4], generator: &g) * Float(group.rank + 1)
            let ddp = DistributedDataParallel(parameters: [w1, w2], group: group, bucketBytes: 4)
            x.matmul(w1).tanh().matmul(w2).square().mean().backward(onLeafGradient: ddp.gradientReady)
            let early = ddp.overlappedBuckets
            ddp.allReduceGradients()
            return (early, [w1.grad!.floats, w2.grad!.floats])
        }
        #expect(started.map(\.0) == [2, 2])
        #expect(started[0].1 == started[1].1)
        #expect(started[0].1[1].contains { $0 != 0 })
    }
}
