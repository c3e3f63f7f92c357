import Foundation

/// A Bool per thread, false on every thread until set there: the state behind
/// `withoutGradients`, `inference` and the nested-parallel-loop check. Each flag is a pthread
/// key, so reading it costs a `pthread_getspecific`, and threads never see each other's value.
///
/// ```swift
/// static let quiet = ThreadLocalFlag()
/// quiet.with(true) { quiet.value }   // true on this thread only
/// ```
public struct ThreadLocalFlag: Sendable {
    private let key: pthread_key_t

    /// A new flag (create it once, in a `static let`: keys are a limited resource).
    public init() {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        key = k
    }

    /// The value on the calling thread.
    public var value: Bool {
        get { pthread_getspecific(key) != nil }
        nonmutating set { pthread_setspecific(key, newValue ? UnsafeRawPointer(bitPattern: 1) : nil) }
    }

    /// Runs `body` with the flag set to `value` on this thread, and restores the previous value.
    @inline(__always)
    public func with<R>(_ value: Bool, _ body: () throws -> R) rethrows -> R {
        let was = self.value
        self.value = value
        defer { self.value = was }
        return try body()
    }
}
