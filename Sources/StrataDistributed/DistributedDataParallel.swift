import Foundation
import StrataCore

/// Data-parallel training over a `ProcessGroup`: every process holds the whole model, takes its
/// share of each batch, and before each optimizer step the gradients are summed over the
/// processes in flat buckets (about 25 MB each by default), so that every process applies the
/// same update. As in PyTorch's DistributedDataParallel, parameters are broadcast from rank 0
/// at the start, buckets are filled in reverse parameter order (the order backward produces
/// them), and a bucket's allreduce starts, on a thread of its own, as soon as backward has
/// produced all of its gradients (pass ``gradientReady(_:)`` to `backward`), so the exchange
/// overlaps the rest of backward. Buckets start in the same order on every process (a bucket
/// waits for the ones before it), as collectives must.
///
/// ```swift
/// let ddp = DistributedDataParallel(parameters: model.parameters(), group: group)
/// ddp.broadcastParameters()
/// (loss * Double(localRows) / Double(globalRows)).backward(onLeafGradient: ddp.gradientReady)
/// ddp.allReduceGradients()          // now every process holds the gradient of the global batch
/// optimizer.step()
/// ```
public final class DistributedDataParallel {
    public let group: ProcessGroup
    public let parameters: [Tensor]
    /// Bytes of gradient per bucket (one allreduce call each).
    public let bucketBytes: Int
    /// Parameter indices per bucket, in reverse parameter order.
    public let buckets: [[Int]]
    /// Seconds the caller spent in the gradient exchange since creation: copying, and waiting
    /// for the allreduces that backward did not hide.
    public private(set) var communicationSeconds = 0.0
    /// Whether training loops pass ``gradientReady(_:)`` to backward (default true). Tensor
    /// parallelism turns it off: its backward runs collectives on the calling thread, and MPI
    /// (initialised `MPI_THREAD_SERIALIZED`) allows one thread in MPI at a time.
    public var overlapsBackward = true
    /// Buckets whose allreduce ``gradientReady(_:)`` started while backward was running, since creation.
    public private(set) var overlappedBuckets = 0

    /// The default bucket size, as PyTorch's `bucket_cap_mb=25`.
    public static let defaultBucketBytes = 25 << 20

    /// Every bucket's gradients, one after another (bucket b from `offsets[b]`).
    private let flat: UnsafeMutableBufferPointer<Float>
    private let offsets: [Int]
    private let index: [ObjectIdentifier: Int]
    private let bucketOf: [Int]
    /// Per bucket, its parameters whose gradient this step has not produced yet.
    private var missing: [Int]
    private var ready: [Bool]
    /// Buckets whose allreduce has started this step (always a prefix).
    private var started = 0
    private let exchange = DispatchQueue(label: "strata.ddp.exchange")
    private let inFlight = DispatchGroup()

    public init(parameters: [Tensor], group: ProcessGroup, bucketBytes: Int = DistributedDataParallel.defaultBucketBytes) {
        ensure(bucketBytes >= 4, "DistributedDataParallel: bucketBytes must be at least 4, got \(bucketBytes)")
        for (i, p) in parameters.enumerated() {
            ensure(p.dtype == .float32, "DistributedDataParallel: parameter \(i) is \(p.dtype); only float32 parameters are supported")
        }
        self.group = group
        self.parameters = parameters
        self.bucketBytes = bucketBytes
        var buckets: [[Int]] = [], current: [Int] = [], bytes = 0
        for i in parameters.indices.reversed() {
            let size = parameters[i].count * 4
            if !current.isEmpty && bytes + size > bucketBytes {
                buckets.append(current); current = []; bytes = 0
            }
            current.append(i); bytes += size
        }
        if !current.isEmpty { buckets.append(current) }
        self.buckets = buckets
        var offsets: [Int] = [], total = 0, bucketOf = [Int](repeating: 0, count: parameters.count)
        for (b, bucket) in buckets.enumerated() {
            offsets.append(total)
            for i in bucket { total += parameters[i].count; bucketOf[i] = b }
        }
        self.offsets = offsets
        self.bucketOf = bucketOf
        flat = .allocate(capacity: Swift.max(total, 1))
        var index: [ObjectIdentifier: Int] = [:]
        for (i, p) in parameters.enumerated() { index[ObjectIdentifier(p)] = i }
        self.index = index
        missing = buckets.map(\.count)
        ready = [Bool](repeating: false, count: parameters.count)
    }

    deinit {
        inFlight.wait()
        flat.deallocate()
    }

    /// Copies rank 0's parameter values to every process (call once before training), after
    /// checking that every process holds a model of the same size.
    public func broadcastParameters(root: Int = 0) {
        guard group.worldSize > 1 else { return }
        let layout = [Double(parameters.count), Double(parameters.reduce(0) { $0 + $1.count })]
        let largest = group.allReduce(layout, .max), smallest = group.allReduce(layout.map { -$0 }, .max).map { -$0 }
        ensure(largest == smallest, "DistributedDataParallel: the processes hold different models (parameter tensors/elements from \(smallest) to \(largest))")
        for p in parameters { group.broadcast(p, root: root) }
    }

    /// Backward's hook (`backward(onLeafGradient:)`): `leaf`'s gradient is final for this step.
    /// Starts the summing allreduce of every bucket, in order, whose gradients are all ready.
    /// Leaves that are not parameters are ignored. No other collective may be called on the
    /// group until ``allReduceGradients(_:)`` has returned.
    public func gradientReady(_ leaf: Tensor) {
        guard group.worldSize > 1, let i = index[ObjectIdentifier(leaf)], !ready[i] else { return }
        ready[i] = true
        missing[bucketOf[i]] -= 1
        while started < buckets.count && missing[started] == 0 {
            start(bucket: started, .sum)
            started += 1
            overlappedBuckets += 1
        }
    }

    /// Replaces every parameter's gradient by its sum (or mean) over the processes: starts the
    /// buckets that backward did not (all of them without the hook; a missing gradient counts as
    /// zeros, as for a process that had no samples this step), waits for every allreduce, and
    /// copies the results back. Buckets started by ``gradientReady(_:)`` were summed, so
    /// `operation` must then be `.sum`.
    public func allReduceGradients(_ operation: ReduceOperation = .sum) {
        guard group.worldSize > 1 else { return }
        ensure(started == 0 || operation == .sum,
               "DistributedDataParallel: buckets started during backward are summed; allReduceGradients(\(operation)) cannot follow them")
        let began = DispatchTime.now().uptimeNanoseconds
        while started < buckets.count {
            start(bucket: started, operation)
            started += 1
        }
        inFlight.wait()
        for (b, bucket) in buckets.enumerated() {
            var offset = offsets[b]
            for i in bucket {
                let p = parameters[i], n = p.count
                let g = Tensor.empty(p.shape)
                g.withUnsafeMutableBuffer(as: Float.self) { _ = $0.update(fromContentsOf: UnsafeBufferPointer(rebasing: flat[offset..<(offset + n)])) }
                p.grad = g
                offset += n
            }
        }
        started = 0
        missing = buckets.map(\.count)
        ready = [Bool](repeating: false, count: parameters.count)
        communicationSeconds += Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
    }

    /// Copies bucket `b`'s gradients into its part of `flat` (zeros for a missing one) and
    /// queues its allreduce on the exchange thread.
    private func start(bucket b: Int, _ operation: ReduceOperation) {
        let began = DispatchTime.now().uptimeNanoseconds
        var offset = offsets[b]
        for i in buckets[b] {
            let p = parameters[i], n = p.count
            let slot = UnsafeMutableBufferPointer(rebasing: flat[offset..<(offset + n)])
            if let g = p.grad {
                ensure(g.dtype == .float32 && g.count == n, "DistributedDataParallel: gradient of parameter \(i) is \(g.dtype) \(g.shape), parameter \(p.shape)")
                g.withUnsafeBuffer(as: Float.self) { _ = slot.update(fromContentsOf: $0) }
            } else {
                slot.update(repeating: 0)
            }
            offset += n
        }
        // The exchange thread is the only one touching this slice until inFlight.wait() returns.
        nonisolated(unsafe) let region = UnsafeMutableBufferPointer(rebasing: flat[offsets[b]..<offset])
        let group = self.group
        exchange.async(group: inFlight) { group.allReduce(region, operation) }
        communicationSeconds += Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
    }
}
