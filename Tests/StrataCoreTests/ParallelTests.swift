import Foundation
import Testing
import StrataCore

/// `Parallel.forEachChunk` over the worker pool: every index is visited exactly once, by loops
/// run back to back (the workers spin between them), by loops nested in loops (the inner ones
/// run serially), and by loops started from several threads at once (one holds the pool, the
/// others fall back to libdispatch).
@Suite struct ParallelTests {
    /// Counts how often each index of `0..<count` is visited by one loop.
    static func visits(_ count: Int, grain: Int) -> [Int] {
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0)
        Parallel.forEachChunk(count, grain: grain) { range in for i in range { counts[i] += 1 } }
        return Array(counts)
    }

    @Test func everyIndexOnceBackToBack() {
        for round in 0..<2_000 {
            let count = 1 + round % 97
            #expect(Self.visits(count, grain: 1) == Array(repeating: 1, count: count))
        }
    }

    @Test func nestedLoopsRunSerially() {
        let total = UnsafeMutableBufferPointer<Int>.allocate(capacity: 64)
        defer { total.deallocate() }
        total.initialize(repeating: 0)
        Parallel.forEachChunk(8, grain: 1) { outer in
            for o in outer {
                Parallel.forEachChunk(8, grain: 1) { inner in for i in inner { total[o * 8 + i] += 1 } }
            }
        }
        #expect(Array(total) == Array(repeating: 1, count: 64))
    }

    @Test func loopsFromSeveralThreadsAtOnce() {
        let failures = UnsafeMutableBufferPointer<Int>.allocate(capacity: 4)
        defer { failures.deallocate() }
        failures.initialize(repeating: 0)
        nonisolated(unsafe) let shared = failures
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            for round in 0..<300 {
                let count = 10 + (round * 7 + t) % 50
                if Self.visits(count, grain: 2) != Array(repeating: 1, count: count) { shared[t] += 1 }
            }
        }
        #expect(Array(failures) == [0, 0, 0, 0])
    }
}
