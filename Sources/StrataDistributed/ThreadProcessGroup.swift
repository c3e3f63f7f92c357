import Foundation
import StrataCore

/// A process group whose ranks are threads of this process, exchanging data through shared
/// memory: the collectives of MPI with nothing to install, for tests and for trying data- or
/// tensor-parallel code on one machine. ``run(worldSize:_:)`` starts one thread per rank and
/// waits for all of them.
///
/// Every collective is two barriers: each rank publishes where its buffer is, all read what
/// they need from the others into their own results, and nobody overwrites its buffer before
/// everybody has read it. Results are identical on every rank (each sums in rank order).
///
/// ```swift
/// let sums = ThreadProcessGroup.run(worldSize: 4) { group -> [Float] in
///     var values: [Float] = [Float(group.rank)]
///     values.withUnsafeMutableBufferPointer { group.allReduce($0, .sum) }
///     return values                             // [6] on every rank
/// }
/// ```
public final class ThreadProcessGroup: ProcessGroup, @unchecked Sendable {
    // @unchecked Sendable: `rank` and `shared` are immutable; `shared` guards its state with its
    // condition, and the buffers it points at are only read between two barriers.

    /// What the ranks of one group share: a reusable barrier and one published pointer per rank.
    private final class Shared: @unchecked Sendable {
        let size: Int
        let condition = NSCondition()
        var arrived = 0, generation = 0
        var slots: [UnsafeRawPointer?]
        /// Per rank, the (color, key) of a `split` and then the group it joins.
        var splits: [(color: Int, key: Int)]
        var newGroups: [Int: Shared] = [:]

        init(size: Int) {
            self.size = size
            slots = Array(repeating: nil, count: size)
            splits = Array(repeating: (0, 0), count: size)
        }

        func barrier() {
            condition.lock()
            defer { condition.unlock() }
            let mine = generation
            arrived += 1
            if arrived == size {
                arrived = 0
                generation += 1
                condition.broadcast()
            } else {
                while generation == mine { condition.wait() }
            }
        }
    }

    public let rank: Int
    private let shared: Shared
    public var worldSize: Int { shared.size }
    public var backendDescription: String { "\(shared.size) threads of one process" }

    private init(rank: Int, shared: Shared) {
        self.rank = rank
        self.shared = shared
    }

    /// Runs `body` on `worldSize` threads, each with its rank's group, and returns their
    /// results in rank order once all have finished.
    public static func run<R>(worldSize: Int, _ body: @escaping @Sendable (ThreadProcessGroup) -> R) -> [R] {
        ensure(worldSize >= 1, "ThreadProcessGroup.run: worldSize must be at least 1, got \(worldSize)")
        let shared = Shared(size: worldSize)
        let results = RankResults<R>(worldSize), done = DispatchGroup()
        for rank in 0..<worldSize {
            done.enter()
            let thread = Thread {
                results.values[rank] = body(ThreadProcessGroup(rank: rank, shared: shared))
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        return results.values.map { $0! }
    }

    /// Publishes `pointer` as this rank's slot, waits for everybody, runs `read` (which may read
    /// every rank's slot), and waits again so that no buffer changes while another rank reads it.
    private func exchange(_ pointer: UnsafeRawPointer?, _ read: ([UnsafeRawPointer?]) -> Void) {
        shared.condition.lock()
        shared.slots[rank] = pointer
        shared.condition.unlock()
        shared.barrier()
        shared.condition.lock()
        let slots = shared.slots
        shared.condition.unlock()
        read(slots)
        shared.barrier()
    }

    private func reduce<T: BinaryFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>, _ operation: ReduceOperation) {
        guard !buffer.isEmpty else { return barrier() }
        var result = [T](repeating: 0, count: buffer.count)
        exchange(UnsafeRawPointer(buffer.baseAddress)) { slots in
            let inputs = slots.map { $0!.assumingMemoryBound(to: T.self) }
            for i in 0..<buffer.count {
                var value = inputs[0][i]
                for r in 1..<inputs.count { value = operation == .max ? Swift.max(value, inputs[r][i]) : value + inputs[r][i] }
                result[i] = operation == .average ? value / T(inputs.count) : value
            }
        }
        _ = buffer.update(fromContentsOf: result)
    }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) { reduce(buffer, operation) }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation) { reduce(buffer, operation) }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) {
        ensure((0..<worldSize).contains(root), "ProcessGroup.broadcast: root \(root) is not in 0..<\(worldSize)")
        // Only the root's buffer is read, so the others may fill theirs while it is.
        exchange(UnsafeRawPointer(buffer.baseAddress)) { slots in
            if rank != root, !buffer.isEmpty { buffer.copyMemory(from: UnsafeRawBufferPointer(start: slots[root], count: buffer.count)) }
        }
    }

    public func allGather(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        ensure(output.count == input.count * worldSize,
               "ProcessGroup.allGather: output holds \(output.count) elements, needs \(input.count * worldSize)")
        let n = input.count
        exchange(UnsafeRawPointer(input.baseAddress)) { slots in
            guard n > 0 else { return }
            for (r, slot) in slots.enumerated() {
                UnsafeMutableBufferPointer(rebasing: output[(r * n)..<((r + 1) * n)])
                    .update(fromContentsOf: UnsafeBufferPointer(start: slot!.assumingMemoryBound(to: Float.self), count: n))
            }
        }
    }

    public func reduceScatter(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        ensure(input.count == output.count * worldSize,
               "ProcessGroup.reduceScatter: input holds \(input.count) elements, needs \(output.count * worldSize)")
        let n = output.count
        exchange(UnsafeRawPointer(input.baseAddress)) { slots in
            for i in 0..<n {
                var sum: Float = 0
                for slot in slots { sum += slot!.assumingMemoryBound(to: Float.self)[rank * n + i] }
                output[i] = sum
            }
        }
    }

    public func barrier() { shared.barrier() }

    public func split(color: Int, key: Int) -> ProcessGroup {
        shared.condition.lock()
        shared.splits[rank] = (color, key)
        shared.condition.unlock()
        shared.barrier()
        // The members of this rank's color, ordered by key then rank; the first creates the group.
        shared.condition.lock()
        let members = shared.splits.indices.filter { shared.splits[$0].color == color }
            .sorted { (shared.splits[$0].key, $0) < (shared.splits[$1].key, $1) }
        if members.first == rank { shared.newGroups[color] = Shared(size: members.count) }
        shared.condition.unlock()
        shared.barrier()
        shared.condition.lock()
        let group = ThreadProcessGroup(rank: members.firstIndex(of: rank)!, shared: shared.newGroups[color]!)
        shared.condition.unlock()
        shared.barrier()
        if members.first == rank {
            shared.condition.lock()
            shared.newGroups[color] = nil
            shared.condition.unlock()
        }
        return group
    }
}

/// One result per rank of ``ThreadProcessGroup/run(worldSize:_:)``; each thread writes only its
/// own slot, and they are read after every thread has finished.
private final class RankResults<R>: @unchecked Sendable {
    var values: [R?]
    init(_ count: Int) { values = Array(repeating: nil, count: count) }
}
