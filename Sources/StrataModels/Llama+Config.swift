import Foundation
import StrataCore

/// A pretrained model's files do not hold what the loader expects: names the file, the key
/// (metadata key or tensor name) and what was wrong.
public struct ModelFileError: Error, CustomStringConvertible, LocalizedError, Equatable {
    public let path: String
    public let key: String?
    public let message: String

    public init(path: String, key: String? = nil, _ message: String) {
        self.path = path
        self.key = key
        self.message = message
    }

    public var description: String { key.map { "\(path): \($0): \(message)" } ?? "\(path): \(message)" }
    public var errorDescription: String? { description }
}

extension Llama.Config {
    /// What each field is called in a file format, so that errors name the file's own key.
    public struct Keys: Sendable {
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

    /// Checks that every size is positive and within sane bounds and that the sizes fit together
    /// (width divisible by heads, heads by kv heads, an even head width); throws a
    /// ``ModelFileError`` naming `path` and the offending key otherwise.
    ///
    /// ```swift
    /// try config.validate(path: "model.gguf", keys: .gguf("llama"))
    /// ```
    public func validate(path: String, keys: Keys) throws {
        func bound(_ value: Int, _ key: String, _ range: ClosedRange<Int>) throws {
            guard range.contains(value) else {
                throw ModelFileError(path: path, key: key, "\(value) is outside the supported range \(range.lowerBound)...\(range.upperBound)")
            }
        }
        try bound(vocabularySize, keys.vocabularySize, 1...(1 << 22))
        try bound(context, keys.context, 1...(1 << 20))
        try bound(layers, keys.layers, 1...1024)
        try bound(width, keys.width, 1...65_536)
        try bound(hiddenWidth, keys.hiddenWidth, 1...(1 << 19))
        try bound(heads, keys.heads, 1...1024)
        try bound(kvHeads, keys.kvHeads, 1...1024)
        guard width % heads == 0 else {
            throw ModelFileError(path: path, key: keys.heads, "\(heads) heads do not divide the width \(width) (\(keys.width))")
        }
        guard heads % kvHeads == 0 else {
            throw ModelFileError(path: path, key: keys.kvHeads, "\(kvHeads) key/value heads do not divide the \(heads) query heads")
        }
        guard headWidth % 2 == 0 else {
            throw ModelFileError(path: path, key: keys.heads, "the head width \(width) / \(heads) = \(headWidth) is odd; rotary embeddings need pairs")
        }
        guard ropeBase.isFinite && ropeBase > 0 else {
            throw ModelFileError(path: path, key: keys.ropeBase, "the rotary base must be a positive finite number, got \(ropeBase)")
        }
        guard rmsEpsilon.isFinite && rmsEpsilon > 0 && rmsEpsilon < 1 else {
            throw ModelFileError(path: path, key: keys.rmsEpsilon, "the RMSNorm epsilon must be in (0, 1), got \(rmsEpsilon)")
        }
    }
}
