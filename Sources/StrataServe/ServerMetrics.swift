import Foundation

/// The server's counters, gauges and histograms, written in Prometheus' text exposition format
/// (version 0.0.4) by `GET /metrics`. Label values come only from the server's own route
/// table and model names, so their number is bounded.
///
/// ```swift
/// let metrics = ServerMetrics()
/// metrics.recordRequest(route: "/v1/completions", status: 200, seconds: 0.12)
/// print(metrics.exposition())
/// ```
public final class ServerMetrics: @unchecked Sendable {
    // @unchecked Sendable: every field is guarded by `lock`.
    private let lock = NSLock()
    private var requests: [Key: Int] = [:]
    private var errors: [Key: Int] = [:]
    private var latency: [String: Histogram] = [:]
    private var tokens: [String: Int] = [:]
    private var queue: [String: Int] = [:]
    private var activeSequences: [String: Int] = [:]
    private var batch: [String: Histogram] = [:]

    static let latencyBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128]

    private struct Key: Hashable, Comparable {
        let route: String
        let status: Int
        static func < (a: Key, b: Key) -> Bool { (a.route, a.status) < (b.route, b.status) }
    }

    private struct Histogram {
        let bounds: [Double]
        var counts: [Int]
        var sum = 0.0
        var count = 0
        init(_ bounds: [Double]) { self.bounds = bounds; counts = Array(repeating: 0, count: bounds.count) }
        mutating func observe(_ value: Double) {
            for (i, b) in bounds.enumerated() where value <= b { counts[i] += 1 }
            sum += value
            count += 1
        }
    }

    public init() {}

    /// One answered request: its route, status and duration (to the response head).
    public func recordRequest(route: String, status: Int, seconds: Double) {
        lock.withLock {
            let key = Key(route: route, status: status)
            requests[key, default: 0] += 1
            if status >= 400 { errors[key, default: 0] += 1 }
            latency[route, default: Histogram(Self.latencyBuckets)].observe(seconds)
        }
    }

    func addGeneratedTokens(model: String, _ n: Int) { lock.withLock { tokens[model, default: 0] += n } }
    func setQueueLength(model: String, _ n: Int) { lock.withLock { queue[model] = n } }
    func setActive(model: String, _ n: Int) { lock.withLock { activeSequences[model] = n } }
    func observeBatch(model: String, size: Int) {
        lock.withLock { batch[model, default: Histogram(Self.batchBuckets)].observe(Double(size)) }
    }

    /// Tokens generated so far by `model`.
    public func generatedTokens(model: String) -> Int { lock.withLock { tokens[model] ?? 0 } }

    /// The text `GET /metrics` answers.
    public func exposition() -> String {
        lock.withLock {
            var out = ""
            func header(_ name: String, _ type: String, _ help: String) {
                out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            }
            func label(_ s: String) -> String {
                s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    .replacingOccurrences(of: "\n", with: "\\n")
            }
            func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
            func histogram(_ name: String, _ labelName: String, _ values: [String: Histogram]) {
                for (key, h) in values.sorted(by: { $0.key < $1.key }) {
                    let l = "\(labelName)=\"\(label(key))\""
                    for (b, c) in zip(h.bounds, h.counts) { out += "\(name)_bucket{\(l),le=\"\(number(b))\"} \(c)\n" }
                    out += "\(name)_bucket{\(l),le=\"+Inf\"} \(h.count)\n"
                    out += "\(name)_sum{\(l)} \(h.sum)\n\(name)_count{\(l)} \(h.count)\n"
                }
            }
            header("strata_http_requests_total", "counter", "HTTP requests answered, by route and status.")
            for (k, n) in requests.sorted(by: { $0.key < $1.key }) {
                out += "strata_http_requests_total{route=\"\(label(k.route))\",status=\"\(k.status)\"} \(n)\n"
            }
            header("strata_http_errors_total", "counter", "HTTP requests answered with a 4xx or 5xx status.")
            for (k, n) in errors.sorted(by: { $0.key < $1.key }) {
                out += "strata_http_errors_total{route=\"\(label(k.route))\",status=\"\(k.status)\"} \(n)\n"
            }
            header("strata_http_request_duration_seconds", "histogram", "Time from the request to the response head.")
            histogram("strata_http_request_duration_seconds", "route", latency)
            header("strata_generated_tokens_total", "counter", "Tokens generated, by model.")
            for (m, n) in tokens.sorted(by: { $0.key < $1.key }) { out += "strata_generated_tokens_total{model=\"\(label(m))\"} \(n)\n" }
            header("strata_queue_length", "gauge", "Requests waiting for a place in the model's batch.")
            for (m, n) in queue.sorted(by: { $0.key < $1.key }) { out += "strata_queue_length{model=\"\(label(m))\"} \(n)\n" }
            header("strata_active_sequences", "gauge", "Sequences being decoded, by model.")
            for (m, n) in activeSequences.sorted(by: { $0.key < $1.key }) { out += "strata_active_sequences{model=\"\(label(m))\"} \(n)\n" }
            header("strata_batch_size", "histogram", "Sequences per batched decoding step (or inputs per embedding batch).")
            histogram("strata_batch_size", "model", batch)
            return out
        }
    }
}
