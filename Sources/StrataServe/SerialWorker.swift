import Foundation

/// A thread that runs blocking jobs one at a time, off Swift's cooperative pool; `run` awaits
/// the result. Used for models whose inference is not safe to run concurrently.
///
/// ```swift
/// let worker = SerialWorker(name: "classify")
/// let p = try await worker.run { classifier.probabilities(image) }
/// ```
final class SerialWorker: @unchecked Sendable {
    // @unchecked Sendable: `jobs` and `stopping` are guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false

    init(name: String) {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "strata-\(name)"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Jobs submitted but not yet started.
    var pending: Int { condition.withLock { jobs.count } }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            condition.withLock {
                jobs.append { continuation.resume(with: Result { try body() }) }
                condition.signal()
            }
        }
    }

    /// Ends the thread after the jobs already queued.
    func shutdown() { condition.withLock { stopping = true; condition.signal() } }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty { condition.unlock(); return }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
