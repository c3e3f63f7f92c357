import Foundation
import CStrataKernels

/// Splits loops across the machine's cores.
public enum Parallel {
    /// Number of threads used by Strata's kernels: `STRATA_NUM_THREADS`, or every active core.
    ///
    /// Set it at start-up, before any parallel work (the CLI does under `mpirun`); it is
    /// `nonisolated(unsafe)` because it is read on every kernel call, where a lock would cost.
    public nonisolated(unsafe) static var threadCount: Int = {
        if let s = ProcessInfo.processInfo.environment["STRATA_NUM_THREADS"], let n = Int(s), n > 0 { return n }
        return ProcessInfo.processInfo.activeProcessorCount
    }()

    private static let region = ThreadLocalFlag()

    /// True on a thread that is running the body of a parallel loop: nested loops then run serially.
    static var isInsideParallelRegion: Bool {
        get { region.value }
        set { region.value = newValue }
    }

    /// Calls `body` on disjoint sub-ranges covering `0..<count`, in parallel when `count`
    /// exceeds `grain` (the smallest chunk worth a thread). Runs serially otherwise, and
    /// inside another parallel loop.
    ///
    /// ```swift
    /// Parallel.forEachChunk(rows, grain: 64) { range in for r in range { process(r) } }
    /// ```
    @inline(__always)
    public static func forEachChunk(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let threads = threadCount
        if threads <= 1 || count <= grain || isInsideParallelRegion {
            if count > 0 { body(0..<count) }
            return
        }
        let chunks = Swift.min(threads, (count + grain - 1) / grain)
        let per = (count + chunks - 1) / chunks
        withoutActuallyEscaping(body) { body in
            // `body` is not `@Sendable`: kernels capture raw pointers. The contract of this function
            // is that the calls on disjoint ranges touch disjoint memory (or only read shared memory),
            // so running them on several threads at once is race-free; the caller waits for all.
            nonisolated(unsafe) let job = Chunks(body: body, count: count, per: per)
            // The spinning pool (CStrataKernels' pool.c) when it is free; when another thread's
            // loop holds it, libdispatch's threads.
            let ran = withUnsafePointer(to: job) { pointer in
                strata_pool_run(Int32(threads - 1), Int64(chunks), { context, c in
                    context!.assumingMemoryBound(to: Chunks.self).pointee.run(Int(c))
                }, UnsafeMutableRawPointer(mutating: pointer))
            }
            if ran == 0 { DispatchQueue.concurrentPerform(iterations: chunks) { job.run($0) } }
        }
    }

    /// One parallel loop: chunk c is `body` over `c·per ..< min(count, (c + 1)·per)`.
    private struct Chunks {
        let body: (Range<Int>) -> Void
        let count: Int
        let per: Int

        func run(_ c: Int) {
            let lo = c * per, hi = Swift.min(count, lo + per)
            guard lo < hi else { return }
            let was = Parallel.isInsideParallelRegion
            Parallel.isInsideParallelRegion = true
            body(lo..<hi)
            Parallel.isInsideParallelRegion = was
        }
    }

    /// Elements below which elementwise kernels stay on one thread.
    static let elementwiseGrain = 1 << 15
}
