import Foundation
import StrataIO
import StrataCore


extension Llama.Config {
    /// What each field is called in a file format, so that errors name the file's own key.
    public struct Keys: Sendable {
        /// The file's name for each field of `Llama.Config` of the same name.
        public var vocabularySize, context, layers, width, hiddenWidth, heads, kvHeads, ropeBase, rmsEpsilon: String

        /// GGUF's `llama.*` metadata keys (for architecture `arch`).
        public static func gguf(_ arch: String) -> Keys {
            Keys(vocabularySize: "\(arch).vocab_size", context: "\(arch).context_length", layers: "\(arch).block_count",
                 width: "\(arch).embedding_length", hiddenWidth: "\(arch).feed_forward_length",
                 heads: "\(arch).attention.head_count", kvHeads: "\(arch).attention.head_count_kv",
                 ropeBase: "\(arch).rope.freq_base", rmsEpsilon: "\(arch).attention.layer_norm_rms_epsilon")
        }

        /// Hugging Face `config.json` keys.
        public static let huggingFace = Keys(
            vocabularySize: "vocab_size", context: "max_position_embeddings", layers: "num_hidden_layers",
            width: "hidden_size", hiddenWidth: "intermediate_size", heads: "num_attention_heads",
            kvHeads: "num_key_value_heads", ropeBase: "rope_theta", rmsEpsilon: "rms_norm_eps")
    }

    /// Checks that every size is positive and within sane bounds, that the sizes fit together
    /// (width divisible by heads, heads by kv heads, an even head width) and that the parameters
    /// stay within ``ConfigCheck/maxParameters``; throws a `ConfigError` naming `source` and the
    /// file's own key otherwise.
    ///
    /// ```swift
    /// try config.validate(source: "model.gguf", keys: .gguf("llama"))
    /// ```
    public func validate(source: String, keys: Keys) throws {
        let check = ConfigCheck(source: source)
        try check.int(vocabularySize, keys.vocabularySize, in: 1...(1 << 22))
        try check.int(context, keys.context, in: 1...(1 << 20))
        try check.int(layers, keys.layers, in: 1...1024)
        try check.int(width, keys.width, in: 1...65_536)
        try check.int(hiddenWidth, keys.hiddenWidth, in: 1...(1 << 19))
        try check.int(heads, keys.heads, in: 1...1024)
        try check.int(kvHeads, keys.kvHeads, in: 1...1024)
        try check.require(width % heads == 0, keys.heads, "\(heads) heads do not divide the width \(width) (\(keys.width))")
        try check.require(heads % kvHeads == 0, keys.kvHeads, "\(kvHeads) key/value heads do not divide the \(heads) query heads")
        try check.require(headWidth % 2 == 0, keys.heads,
                          "the head width \(width) / \(heads) = \(headWidth) is odd; rotary embeddings turn pairs")
        try check.double(ropeBase, keys.ropeBase, in: Double.leastNormalMagnitude...1e12)
        try check.double(rmsEpsilon, keys.rmsEpsilon, in: Double.leastNormalMagnitude...1, upperOpen: true)
        let (c, d, f) = (Double(width), Double(headWidth), Double(hiddenWidth))
        let perLayer = c * d * Double(2 * heads + 2 * kvHeads) + 3 * c * f + 2 * c
        try check.parameters(Double(vocabularySize) * c * (tiedOutput ? 1 : 2) + Double(layers) * perLayer + c, key: keys.width)
    }
}
