import Foundation
import StrataCore

/// How well a language model predicts a text: the mean negative log-likelihood (natural log)
/// of the tokens it scored, and its exponential.
public struct PerplexityResult: Sendable, Equatable {
    /// Tokens scored (predicted from the ones before them).
    public var tokens: Int
    /// The mean negative log-likelihood per scored token, in nats.
    public var meanNLL: Double
    /// Windows the text was cut into (1 when it fits the context).
    public var windows: Int
    /// The window length used.
    public var context: Int

    /// The perplexity, exp(meanNLL).
    public var perplexity: Double { Foundation.exp(meanNLL) }
}

extension Llama {
    /// The perplexity of token ids `ids`.
    ///
    /// When they fit in `context` positions (default: the model's), they are scored in one
    /// window: every token after the first is predicted from all those before it. Otherwise
    /// they are cut as llama.cpp's perplexity tool cuts them: consecutive windows of `context`
    /// tokens (a tail shorter than a window is dropped), and in each window only the tokens
    /// of the second half (positions context/2 + 1 ..< context) are scored, so that every
    /// scored token has at least half a window before it. No BOS is inserted.
    /// `progress(done, total)` is called after each window.
    ///
    /// ```swift
    /// let result = model.perplexity(of: try tokenizer.encode(text))
    /// print(result.perplexity)
    /// ```
    public func perplexity(of ids: [Int], context: Int? = nil, progress: ((Int, Int) -> Void)? = nil) -> PerplexityResult {
        let n = context ?? config.context
        ensure(n >= 2 && n <= config.context, "perplexity: context \(n) must be in 2...\(config.context)")
        ensure(ids.count >= 2, "perplexity: at least two tokens are needed, got \(ids.count)")
        var windows: [(range: Range<Int>, first: Int)] = []
        if ids.count <= n {
            windows = [(0..<ids.count, 0)]
        } else {
            windows = (0..<(ids.count / n)).map { ($0 * n ..< ($0 + 1) * n, n / 2) }
        }
        var total = 0.0, count = 0
        for (w, window) in windows.enumerated() {
            let tokens = Array(ids[window.range])
            let hidden = hiddenStates(tokens)                                  // [T, C]
            // Logits in blocks of rows, so a long window never holds [T, vocabulary] at once.
            var row = window.first
            while row < tokens.count - 1 {
                let end = Swift.min(tokens.count - 1, row + 64)
                let logits = self.logits(hidden: hidden[row..<end])            // [rows, V]
                let nll = Tensor.empty([end - row], dtype: .float64)
                logits.device.backend.tokenNegativeLogLikelihoods(logits: logits, targets: Tensor(tokens[(row + 1)...end].map(Int64.init)),
                                                                  into: nll)
                for value in nll.toArray(as: Double.self) {
                    total += value
                    count += 1
                }
                row = end
            }
            progress?(w + 1, windows.count)
        }
        return PerplexityResult(tokens: count, meanNLL: total / Double(count), windows: windows.count, context: n)
    }
}
