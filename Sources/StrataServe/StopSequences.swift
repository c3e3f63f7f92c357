import Foundation

/// Holds back generated text that could be the start of a stop sequence, so that a stop string
/// is never sent to the client, and finds the first complete one.
///
/// ```swift
/// var filter = StopSequences(["\n\n"])
/// filter.push("Hello\n")      // (text: "Hello", stopped: false): "\n" is held back
/// filter.push("\nWorld")      // (text: "", stopped: true)
/// ```
struct StopSequences {
    let stops: [[UInt8]]
    private var held: [UInt8] = []

    init(_ stops: [String]) { self.stops = stops.map { Array($0.utf8) }.filter { !$0.isEmpty } }

    /// Adds generated text; returns the text that can be sent now, and whether a stop sequence
    /// completed (the text before it is returned; the stop and anything after are dropped).
    mutating func push(_ text: String) -> (text: String, stopped: Bool) {
        held += Array(text.utf8)
        guard !stops.isEmpty else { return (flush(), false) }
        for start in held.indices {
            let rest = held[start...]
            var candidate = false
            for stop in stops {
                if rest.starts(with: stop) {
                    let out = String(decoding: held[..<start], as: UTF8.self)
                    held = []
                    return (out, true)
                }
                if stop.starts(with: rest) { candidate = true }
            }
            if candidate {
                // A stop may begin here (stop strings start on a character boundary).
                let out = String(decoding: held[..<start], as: UTF8.self)
                held.removeFirst(start)
                return (out, false)
            }
        }
        return (flush(), false)
    }

    /// Everything held back (at the end of generation, when no stop came).
    mutating func flush() -> String {
        defer { held = [] }
        return String(decoding: held, as: UTF8.self)
    }
}
