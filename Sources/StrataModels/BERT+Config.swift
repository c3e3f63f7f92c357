import Foundation
import StrataIO


extension BERT.Config {
    /// Upper bounds that no real BERT reaches; larger values are taken for a damaged file
    /// rather than allocated.
    static let limits: [(key: String, range: ClosedRange<Int>)] = [
        ("vocab_size", 1...1_000_000), ("hidden_size", 1...16_384), ("num_hidden_layers", 1...256),
        ("num_attention_heads", 1...1024), ("intermediate_size", 1...65_536),
        ("max_position_embeddings", 1...65_536), ("type_vocab_size", 1...1024),
    ]

    /// Reads a Hugging Face `config.json` of a BERT model and validates it.
    ///
    /// Every size must be an integer within `limits`, `hidden_size` divisible by
    /// `num_attention_heads`, `hidden_act` one of gelu, gelu_new, relu, `layer_norm_eps` in (0, 1),
    /// and (when given) `model_type` "bert" and `position_embedding_type` "absolute".
    /// Errors name the file and key.
    ///
    /// ```swift
    /// let config = try BERT.Config(contentsOf: "Models/all-MiniLM-L6-v2/config.json")
    /// config.hiddenSize   // 384
    /// ```
    public init(contentsOf path: String) throws {
        do {
            let root = try JSONDocument(path: path, maximumBytes: 1 << 20).root
            if let type = try root.optionalMember("model_type") {
                guard try type.string() == "bert" else { throw type.error("expected \"bert\", found \"\(try type.string())\"") }
            }
            if let positions = try root.optionalMember("position_embedding_type") {
                guard try positions.string() == "absolute" else {
                    throw positions.error("only \"absolute\" position embeddings are supported, found \"\(try positions.string())\"")
                }
            }
            var sizes: [String: Int] = [:]
            for (key, _) in Self.limits {
                sizes[key] = try root.member(key).int()
            }
            let actNode = try root.optionalMember("hidden_act")
            let actName = try actNode?.string() ?? "gelu"
            guard let activation = Activation(rawValue: actName) else {
                throw actNode!.error("unsupported activation \"\(actName)\"; expected gelu, gelu_new or relu")
            }
            let epsilon = try root.optionalMember("layer_norm_eps")?.double() ?? 1e-12
            self.init(vocabularySize: sizes["vocab_size"]!, hiddenSize: sizes["hidden_size"]!, layers: sizes["num_hidden_layers"]!,
                      heads: sizes["num_attention_heads"]!, intermediateSize: sizes["intermediate_size"]!,
                      maximumPositions: sizes["max_position_embeddings"]!, typeVocabularySize: sizes["type_vocab_size"]!,
                      activation: activation, layerNormEpsilon: epsilon)
        } catch let error as FileError {
            throw error
        }
        try validate(source: path)
    }

    /// Throws a `FileError` naming `source` and the config key of the first value that is out of
    /// range or inconsistent.
    public func validate(source: String = "config.json") throws {
        let values: [String: Int] = [
            "vocab_size": vocabularySize, "hidden_size": hiddenSize, "num_hidden_layers": layers,
            "num_attention_heads": heads, "intermediate_size": intermediateSize,
            "max_position_embeddings": maximumPositions, "type_vocab_size": typeVocabularySize,
        ]
        for (key, range) in Self.limits where !range.contains(values[key]!) {
            throw FileError(path: source, key: key, message: "\(values[key]!); expected \(range.lowerBound) to \(range.upperBound)")
        }
        guard hiddenSize % heads == 0 else {
            throw FileError(path: source, key: "num_attention_heads",
                            message: "hidden_size \(hiddenSize) is not divisible by \(heads) heads")
        }
        guard layerNormEpsilon > 0 && layerNormEpsilon < 1 else {
            throw FileError(path: source, key: "layer_norm_eps", message: "\(layerNormEpsilon); expected a number in (0, 1)")
        }
    }
}
