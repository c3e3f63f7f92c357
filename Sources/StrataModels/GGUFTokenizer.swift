import StrataIO
import Foundation
import StrataData

/// The tokenizer a GGUF file describes in its `tokenizer.ggml.*` metadata: a byte-level BPE
/// (`tokenizer.ggml.model` "gpt2") over `tokens` and `merges`, the pre-tokenizer named by
/// `tokenizer.ggml.pre`, control and user-defined tokens (token types 3 and 4) as special tokens,
/// BOS added only when `add_bos_token` says so, and the tokens that end generation.
///
/// ```swift
/// let tok = try GGUFTokenizer(gguf: file)
/// let ids = try tok.encode(chatPrompt, allowSpecial: true)   // <|im_start|> becomes one id
/// ```
public final class GGUFTokenizer: ByteTokenizer, @unchecked Sendable {
    // @unchecked Sendable: immutable after init (the BPE guards its own cache).

    /// The byte-level BPE underneath.
    public let bpe: ByteLevelBPETokenizer
    /// The beginning-of-sequence token id (`tokenizer.ggml.bos_token_id`), if the file gives one.
    public let bosID: Int?
    /// The end-of-sequence token id (`tokenizer.ggml.eos_token_id`), if the file gives one.
    public let eosID: Int?
    /// Whether `encode` puts BOS first.
    public let addsBOS: Bool
    /// Ids after which generation stops: EOS, EOT, and control tokens that end a turn or a text.
    public let endOfGeneration: Set<Int>
    /// The number of tokens in the vocabulary.
    public var vocabularySize: Int { bpe.vocabularySize }

    /// Control tokens llama.cpp also treats as the end of generation.
    static let endOfGenerationSpellings: Set<String> = [
        "<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|end|>", "<end_of_turn>",
    ]

    /// A tokenizer from the metadata values. `source` names the file in errors; keys are GGUF's.
    public init(model: String, pre: String?, tokens: [String], tokenTypes: [Int]?, merges: [String],
                bosID: Int?, eosID: Int?, eotID: Int? = nil, addsBOS: Bool, source: String) throws {
        guard model == "gpt2" else {
            throw FileError(path: source, key: "tokenizer.ggml.model",
                                 "\(model.debugDescription) is not supported (only \"gpt2\", byte-level BPE)")
        }
        guard let preTokenizer = ByteLevelPreTokenizer(ggmlName: pre ?? "default") else {
            throw FileError(path: source, key: "tokenizer.ggml.pre",
                                 "pre-tokenizer \((pre ?? "").debugDescription) is not supported (supported: gpt2, smollm, llama-bpe)")
        }
        guard !tokens.isEmpty else { throw FileError(path: source, key: "tokenizer.ggml.tokens", "no tokens") }
        if let tokenTypes, tokenTypes.count != tokens.count {
            throw FileError(path: source, key: "tokenizer.ggml.token_type",
                                 "\(tokenTypes.count) token types for \(tokens.count) tokens")
        }
        for (key, id) in [("tokenizer.ggml.bos_token_id", bosID), ("tokenizer.ggml.eos_token_id", eosID),
                          ("tokenizer.ggml.eot_token_id", eotID)] {
            if let id, !tokens.indices.contains(id) {
                throw FileError(path: source, key: key, "id \(id) is outside the vocabulary of \(tokens.count)")
            }
        }
        if addsBOS && bosID == nil {
            throw FileError(path: source, key: "tokenizer.ggml.add_bos_token", "BOS is to be added but there is no tokenizer.ggml.bos_token_id")
        }
        let special = (tokenTypes ?? []).indices.filter { tokenTypes![$0] == 3 || tokenTypes![$0] == 4 }
        bpe = try ByteLevelBPETokenizer(tokens: tokens, merges: merges, preTokenizer: preTokenizer, specialTokens: special,
                                        source: source, mergesKey: "tokenizer.ggml.merges")
        self.bosID = bosID
        self.eosID = eosID
        self.addsBOS = addsBOS
        var stop = Set([eosID, eotID].compactMap { $0 })
        for id in special where Self.endOfGenerationSpellings.contains(tokens[id]) { stop.insert(id) }
        endOfGeneration = stop
    }

    /// `text` as ids, special tokens as ordinary text; BOS first when the model wants it.
    public func encode(_ text: String) throws -> [Int] { try encode(text, allowSpecial: false) }

    /// `text` as ids; with `allowSpecial`, control tokens written in the text (such as
    /// `<|im_start|>`) become their ids. BOS first when the model wants it.
    public func encode(_ text: String, allowSpecial: Bool) throws -> [Int] {
        let ids = try bpe.encode(text, allowSpecial: allowSpecial)
        if addsBOS, let bosID { return [bosID] + ids }
        return ids
    }

    /// The text of `ids`, decoded as UTF-8 with invalid sequences replaced by U+FFFD.
    public func decode(_ ids: [Int]) throws -> String { try bpe.decode(ids) }
    /// The raw bytes of `ids` (useful when a sequence may stop inside a multi-byte character).
    public func decodeBytes(_ ids: [Int]) throws -> [UInt8] { try bpe.decodeBytes(ids) }
}
