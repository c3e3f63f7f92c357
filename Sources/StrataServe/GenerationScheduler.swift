import Foundation
import Strata

/// What a generation request asks for, its prompt already tokenised.
struct GenerationRequest: Sendable {
    var prompt: [Int]
    var maxTokens: Int
    var temperature: Double
    var topP: Double?
    var seed: UInt64
    var stop: [String]
    /// When the request must be finished (queueing included).
    var deadline: Date
}

/// Why a sequence ended.
enum FinishReason: String, Sendable {
    /// An end-of-generation token or a stop sequence.
    case stop
    /// `max_tokens` reached, or the model's context is full.
    case length
    /// The client went away or the server is shutting down.
    case cancelled
    /// The request's deadline passed.
    case timeout
}

/// One thing a generation stream delivers.
enum GenerationEvent: Sendable {
    /// Text that is safe to show (whole characters, no part of a stop sequence).
    case text(String)
    case finished(FinishReason, promptTokens: Int, completionTokens: Int)
}

/// Continuous batching with chunked prefill for one generative model. A single worker thread
/// owns the model: each iteration it takes waiting requests while fewer than `maxActive`
/// sequences run, then makes ONE batched step over every active sequence: each decoding sequence
/// feeds the token it drew last, and joining sequences feed chunks of their prompts in the
/// tokens left of `maxBatchTokens` (so several prompts are prefilled together, a long one over
/// several steps, and running sequences keep decoding meanwhile). A sequence draws its first
/// token when its whole prompt is in. It leaves (and its cache is freed) as soon as it
/// finishes, is cancelled, or times out, so a new request joins at the next step.
///
/// ```swift
/// let scheduler = GenerationScheduler(name: "smol", backend: LlamaBackend(model: llama), tokenizer: tok,
///                                     endOfGeneration: tok.endOfGeneration, maxActive: 16, maxQueue: 64,
///                                     maxBatchTokens: 512, metrics: m)
/// for await event in try scheduler.submit(request) { ... }
/// ```
final class GenerationScheduler: @unchecked Sendable {
    // @unchecked Sendable: `waiting`, `activeCount` and `stopping` are guarded by `condition`;
    // `active` and the backend are touched only by the worker thread.
    let name: String
    let backend: SequenceBackend
    let tokenizer: Tokenizer
    let endOfGeneration: Set<Int>
    let maxActive: Int
    let maxQueue: Int
    /// The most tokens one step feeds (decoding tokens and prompt chunks together); a step
    /// always advances every decoding sequence and at least one prompt token.
    let maxBatchTokens: Int
    let metrics: ServerMetrics

    private let condition = NSCondition()
    private var waiting: [Job] = []
    private var activeCount = 0
    private var stopping = false
    private var active: [ActiveSequence] = []
    private var thread: Thread?

    init(name: String, backend: SequenceBackend, tokenizer: Tokenizer, endOfGeneration: Set<Int>,
         maxActive: Int, maxQueue: Int, maxBatchTokens: Int = 512, metrics: ServerMetrics) {
        self.name = name
        self.backend = backend
        self.tokenizer = tokenizer
        self.endOfGeneration = endOfGeneration
        self.maxActive = max(1, maxActive)
        self.maxQueue = max(0, maxQueue)
        self.maxBatchTokens = max(1, maxBatchTokens)
        self.metrics = metrics
        let thread = Thread { [weak self] in self?.run() }
        thread.name = "strata-generate-\(name)"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    /// A request waiting for, or holding, a place in the batch. Cancellation may come from any thread.
    final class Job: @unchecked Sendable {
        // @unchecked Sendable: `cancelled` is guarded by `lock`; the rest is immutable.
        let request: GenerationRequest
        let continuation: AsyncStream<GenerationEvent>.Continuation
        private let lock = NSLock()
        private var cancelled = false

        init(request: GenerationRequest, continuation: AsyncStream<GenerationEvent>.Continuation) {
            self.request = request
            self.continuation = continuation
        }

        func cancel() { lock.withLock { cancelled = true } }
        var isCancelled: Bool { lock.withLock { cancelled } }
    }

    /// An active sequence: its model state, sampler and text filters (worker thread only).
    private final class ActiveSequence {
        let job: Job
        let state: AnyObject
        var sampler: TokenSampler
        var stream: TokenStream
        var stops: StopSequences
        /// Prompt tokens not yet fed to the model (empty once it decodes).
        var pending: ArraySlice<Int>
        var lastToken = 0
        /// Tokens fed to the model so far.
        var length = 0
        var generated = 0
        var finished = false

        init(job: Job, state: AnyObject, tokenizer: Tokenizer) {
            self.job = job
            self.state = state
            let r = job.request
            sampler = TokenSampler(temperature: r.temperature, topP: r.topP, seed: r.seed)
            stream = TokenStream(tokenizer: tokenizer)
            stops = StopSequences(r.stop)
            pending = r.prompt[...]
        }

        /// What the next step feeds: the token drawn last, or up to `budget` (at least one) prompt tokens.
        func segment(budget: Int) -> [Int] {
            pending.isEmpty ? [lastToken] : Array(pending.prefix(Swift.max(1, budget)))
        }
    }

    /// Queues `request`; the stream yields its text and ends with `.finished`. Throws
    /// ``APIError/queueFull(retryAfter:)`` when `maxActive + maxQueue` requests are already in.
    /// Ending the iteration early (a disconnected client) cancels the sequence and frees its cache.
    func submit(_ request: GenerationRequest) throws -> AsyncStream<GenerationEvent> {
        let (stream, continuation) = AsyncStream<GenerationEvent>.makeStream()
        let job = Job(request: request, continuation: continuation)
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else {
            throw APIError(status: .serviceUnavailable, message: "The server is shutting down", type: "server_error", code: "shutting_down")
        }
        guard waiting.count + activeCount < maxActive + maxQueue else { throw APIError.queueFull(retryAfter: 1) }
        continuation.onTermination = { [weak job] _ in job?.cancel() }
        waiting.append(job)
        metrics.setQueueLength(model: name, waiting.count)
        condition.signal()
        return stream
    }

    /// Requests waiting for a place in the batch.
    var queueLength: Int { condition.withLock { waiting.count } }

    /// Stops the worker: waiting and active requests end with `.cancelled`.
    func shutdown() {
        condition.withLock {
            stopping = true
            condition.signal()
        }
    }

    // MARK: - The worker thread

    private func run() {
        while true {
            condition.lock()
            while waiting.isEmpty && active.isEmpty && !stopping { condition.wait() }
            if stopping {
                let queued = waiting
                waiting = []
                condition.unlock()
                for job in queued { finish(job, .cancelled, prompt: job.request.prompt.count, generated: 0) }
                for s in active { finish(s, .cancelled) }
                active = []
                updateCounts()
                return
            }
            let joining = Array(waiting.prefix(maxActive - active.count))
            waiting.removeFirst(joining.count)
            activeCount = active.count + joining.count
            metrics.setQueueLength(model: name, waiting.count)
            condition.unlock()

            for job in joining { admit(job) }
            retire()
            if !active.isEmpty { step() }
            updateCounts()
        }
    }

    private func updateCounts() {
        condition.withLock { activeCount = active.count }
        metrics.setActive(model: name, active.count)
    }

    /// Generated tokens a new sequence's state has room for from the start, beside its prompt. A
    /// chat request without `max_tokens` may run to the context (8,192 positions of SmolLM2 are
    /// 189 MB of float16 keys and values), so the room beyond this grows by doubling as needed.
    static let reservedTokens = 256

    /// Gives a joining request a fresh state; its prompt is fed by the following steps.
    private func admit(_ job: Job) {
        let r = job.request
        if job.isCancelled { return finish(job, .cancelled, prompt: r.prompt.count, generated: 0) }
        if Date() >= r.deadline { return finish(job, .timeout, prompt: r.prompt.count, generated: 0) }
        active.append(ActiveSequence(job: job, state: backend.makeState(positions: r.prompt.count + Swift.min(r.maxTokens, Self.reservedTokens)),
                                     tokenizer: tokenizer))
    }

    /// One batched forward: every decoding sequence feeds its last token, then sequences still
    /// reading their prompts feed chunks of it, oldest first, while `maxBatchTokens` allows (at
    /// least one prompt token a step, so prompts advance however many sequences decode).
    /// A sequence whose prompt is then complete, and every decoding one, draws its next token.
    private func step() {
        let decoding = active.filter { $0.pending.isEmpty }
        var batch = decoding, segments = decoding.map { $0.segment(budget: 1) }
        var budget = maxBatchTokens - segments.count
        for s in active where !s.pending.isEmpty && (budget > 0 || batch.count == decoding.count) {
            let segment = s.segment(budget: budget)
            batch.append(s)
            segments.append(segment)
            budget -= segment.count
        }
        metrics.observeBatch(model: name, size: batch.count)
        let logits = backend.step(segments, states: batch.map(\.state))
        let tokens = draw(batch, segments: segments, logits: logits)
        for (i, (s, segment)) in zip(batch, segments).enumerated() {
            s.length += segment.count
            if !s.pending.isEmpty {
                s.pending = s.pending.dropFirst(segment.count)
                if !s.pending.isEmpty { continue }
            }
            accept(s, token: tokens[i])
        }
        retire()
    }

    /// The next token of every sequence in `batch` that draws one this step (it decodes, or its
    /// segment ends its prompt); -1 for the others. The draws run in parallel: each sequence's
    /// sampler is its own, and a draw over a whole vocabulary (49,152 logits for SmolLM2) is the
    /// largest piece of a step outside the model.
    private func draw(_ batch: [ActiveSequence], segments: [[Int]], logits: [[Float]]) -> [Int] {
        let drawing = batch.indices.filter { batch[$0].pending.count <= segments[$0].count }
        var tokens = [Int](repeating: -1, count: batch.count)
        tokens.withUnsafeMutableBufferPointer { out in
            let out = out
            Parallel.forEachChunk(drawing.count, grain: 1) { range in
                for k in range {
                    let i = drawing[k]
                    out[i] = batch[i].sampler.sample(logits[i])
                }
            }
        }
        return tokens
    }

    /// What a newly drawn token does to its sequence: the end of generation, text, or the limit.
    private func accept(_ s: ActiveSequence, token: Int) {
        guard !s.finished else { return }
        if endOfGeneration.contains(token) { return finish(s, .stop) }
        s.generated += 1
        s.lastToken = token
        metrics.addGeneratedTokens(model: name, 1)
        let (text, stopped) = s.stops.push(s.stream.append(token))
        if !text.isEmpty { s.job.continuation.yield(.text(text)) }
        if stopped { return finish(s, .stop) }
        if s.generated >= s.job.request.maxTokens || (backend.context.map { s.length >= $0 } ?? false) {
            finish(s, .length)
        }
    }

    /// Drops finished, cancelled and timed-out sequences from the batch (their state goes with them).
    private func retire() {
        let now = Date()
        for s in active where !s.finished {
            if s.job.isCancelled { finish(s, .cancelled) } else if now >= s.job.request.deadline { finish(s, .timeout) }
        }
        active.removeAll { $0.finished }
    }

    private func finish(_ s: ActiveSequence, _ reason: FinishReason) {
        if reason == .stop || reason == .length {
            let rest = s.stops.push(s.stream.flush()).text + s.stops.flush()
            if !rest.isEmpty { s.job.continuation.yield(.text(rest)) }
        }
        s.finished = true
        finish(s.job, reason, prompt: s.job.request.prompt.count, generated: s.generated)
    }

    private func finish(_ job: Job, _ reason: FinishReason, prompt: Int, generated: Int) {
        job.continuation.yield(.finished(reason, promptTokens: prompt, completionTokens: generated))
        job.continuation.finish()
    }
}
