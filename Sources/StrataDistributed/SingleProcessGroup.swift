import StrataCore

/// The group of one process: every collective leaves the data as it is. Used when Strata
/// was not started by `mpirun`, and in tests.
///
/// ```swift
/// let group: ProcessGroup = SingleProcessGroup()
/// group.allReduce(gradient, .average)   // no change
/// ```
public final class SingleProcessGroup: ProcessGroup {
    public init() {}
    public var rank: Int { 0 }
    public var worldSize: Int { 1 }
    public var backendDescription: String { "single process" }
    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) {}
    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation) {}
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) {
        ensure(root == 0, "ProcessGroup.broadcast: root \(root) is not in 0..<1")
    }
    public func allGather(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        ensure(output.count == input.count, "ProcessGroup.allGather: output holds \(output.count) elements, needs \(input.count)")
        if !input.isEmpty { _ = output.update(fromContentsOf: input) }
    }
    public func reduceScatter(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        ensure(output.count == input.count, "ProcessGroup.reduceScatter: input holds \(input.count) elements, needs \(output.count)")
        if !input.isEmpty { _ = output.update(fromContentsOf: input) }
    }
    public func barrier() {}
    public func split(color: Int, key: Int) -> ProcessGroup { SingleProcessGroup() }
}
