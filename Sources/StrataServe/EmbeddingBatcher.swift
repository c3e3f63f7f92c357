import Foundation
import Strata

/// Batches embedding requests: inputs of concurrent requests wait in one queue, and the worker
/// thread encodes everything waiting (up to `maxBatch` inputs) in one `SentenceEncoder.encode`
/// call, then hands each request its rows.
///
/// ```swift
/// let vectors = try await batcher.embed(["a cat", "a dog"])      // 2 × dimension
/// ```
final class EmbeddingBatcher: @unchecked Sendable {
    // @unchecked Sendable: `waiting` and `stopping` are guarded by `condition`; the encoder is
    // used only by the worker thread.
    let name: String
    let encoder: SentenceEncoder
    let maxBatch: Int
    let maxQueue: Int
    let metrics: ServerMetrics
    private let condition = NSCondition()
    private var waiting: [Job] = []
    private var stopping = false

    private struct Job {
        let inputs: [String]
        let continuation: CheckedContinuation<[[Float]], Error>
    }

    init(name: String, encoder: SentenceEncoder, maxBatch: Int = 64, maxQueue: Int, metrics: ServerMetrics) {
        self.name = name
        self.encoder = encoder
        self.maxBatch = max(1, maxBatch)
        self.maxQueue = max(1, maxQueue)
        self.metrics = metrics
        encoder.warnsOnTruncation = false
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "strata-embed-\(name)"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The token count of each input (for `usage`), as the encoder tokenises it.
    func tokenCounts(_ inputs: [String]) -> [Int] { encoder.tokenize(inputs).map(\.count) }

    /// One vector per input; throws 429 when too many requests wait.
    func embed(_ inputs: [String]) async throws -> [[Float]] {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            defer { condition.unlock() }
            guard !stopping else {
                return continuation.resume(throwing: APIError(status: .serviceUnavailable, message: "The server is shutting down",
                                                              type: "server_error", code: "shutting_down"))
            }
            guard waiting.count < maxQueue else { return continuation.resume(throwing: APIError.queueFull(retryAfter: 1)) }
            waiting.append(Job(inputs: inputs, continuation: continuation))
            metrics.setQueueLength(model: name, waiting.count)
            condition.signal()
        }
    }

    func shutdown() { condition.withLock { stopping = true; condition.signal() } }

    private func loop() {
        while true {
            condition.lock()
            while waiting.isEmpty && !stopping { condition.wait() }
            if waiting.isEmpty { condition.unlock(); return }
            // Whole requests, as many as fit in maxBatch inputs (at least one).
            var batch: [Job] = [], count = 0
            while let next = waiting.first, batch.isEmpty || count + next.inputs.count <= maxBatch {
                batch.append(waiting.removeFirst())
                count += next.inputs.count
            }
            metrics.setQueueLength(model: name, waiting.count)
            condition.unlock()

            metrics.observeBatch(model: name, size: count)
            do {
                let vectors = try encoder.encode(batch.flatMap(\.inputs), batchSize: maxBatch)
                var offset = 0
                for job in batch {
                    job.continuation.resume(returning: Array(vectors[offset..<(offset + job.inputs.count)]))
                    offset += job.inputs.count
                }
            } catch {
                for job in batch { job.continuation.resume(throwing: error) }
            }
        }
    }
}
