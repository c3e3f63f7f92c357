import Foundation

/// The limits and settings of a ``StrataServer``.
///
/// ```swift
/// var options = ServeOptions()
/// options.port = 8080
/// options.apiKey = "secret"          // every /v1 route then needs "Authorization: Bearer secret"
/// options.maxConcurrent = 16         // sequences decoded together per model
/// ```
public struct ServeOptions: Sendable {
    /// The address to listen on (loopback unless told otherwise).
    public var host = "127.0.0.1"
    /// The port (0: any free port).
    public var port = 8080
    /// When set, every `/v1` route requires `Authorization: Bearer <apiKey>`. Never logged.
    public var apiKey: String?
    /// The most sequences a generative model decodes at once (its batch).
    public var maxConcurrent = 16
    /// The most requests waiting per model beyond those being served; more get 429.
    public var maxQueue = 64
    /// The most tokens one batched step of a generative model feeds: a token per decoding
    /// sequence, the rest chunks of joining prompts (a longer prompt is read over several steps).
    public var maxBatchTokens = 512
    /// The largest request body accepted; larger ones get 413.
    public var maxBodyBytes = 8 << 20
    /// Seconds a request may take, queueing included; generation stops after it.
    public var timeout: Double = 300
    /// Seconds in-flight requests get to finish after SIGINT/SIGTERM before they are cancelled.
    public var shutdownGrace: Double = 10

    public init() {}
}
