import Foundation
import StrataCore

/// Data-parallel training over a `ProcessGroup`: every process holds the whole model, takes its
/// share of each batch, and before each optimizer step the gradients are summed over the
/// processes in flat buckets (about 25 MB each by default), so that every process applies the
/// same update. As in PyTorch's DistributedDataParallel, parameters are broadcast from rank 0
/// at the start and buckets are filled in reverse parameter order (the order backward produces
/// them). Unlike PyTorch, the exchange starts after backward has finished: it does not overlap.
///
/// ```swift
/// let ddp = DistributedDataParallel(parameters: model.parameters(), group: group)
/// ddp.broadcastParameters()
/// (loss * Double(localRows) / Double(globalRows)).backward()
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
    /// Seconds spent in gradient exchange (copying included) since creation.
    public private(set) var communicationSeconds = 0.0
    private var buffer: [Float]

    /// The default bucket size, as PyTorch's `bucket_cap_mb=25`.
    public static let defaultBucketBytes = 25 << 20

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
        let largest = buckets.map { $0.reduce(0) { $0 + parameters[$1].count } }.max() ?? 0
        buffer = [Float](repeating: 0, count: largest)
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

    /// Replaces every parameter's gradient by its sum (or mean) over the processes. A missing
    /// gradient counts as zeros (a process that had no samples this step).
    public func allReduceGradients(_ operation: ReduceOperation = .sum) {
        guard group.worldSize > 1 else { return }
        let started = DispatchTime.now().uptimeNanoseconds
        for bucket in buckets {
            let total = bucket.reduce(0) { $0 + parameters[$1].count }
            buffer.withUnsafeMutableBufferPointer { flat in
                var offset = 0
                for i in bucket {
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
                group.allReduce(UnsafeMutableBufferPointer(rebasing: flat[0..<total]), operation)
                offset = 0
                for i in bucket {
                    let p = parameters[i], n = p.count
                    let g = Tensor.empty(p.shape)
                    g.withUnsafeMutableBuffer(as: Float.self) { _ = $0.update(fromContentsOf: UnsafeBufferPointer(rebasing: flat[offset..<(offset + n)])) }
                    p.grad = g
                    offset += n
                }
            }
        }
        communicationSeconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }
}
