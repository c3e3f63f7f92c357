import Foundation
import StrataCore
import StrataIO

/// A Llama-family GGUF file opened for generation: the model, its tokenizer and its chat
/// template. The weights stay mapped from the file; the file's other metadata (the vocabulary's
/// arrays among it) is freed once the tokenizer and model are built.
///
/// ```swift
/// let pretrained = try PretrainedLlama(path: "Models/SmolLM2-135M-Instruct.Q4_1.gguf")
/// let prompt = try pretrained.chatTemplate().render([ChatMessage(role: "user", content: "Hi")])
/// let ids = try pretrained.tokenizer.encode(prompt, allowSpecial: true)
/// ```
public struct PretrainedLlama: @unchecked Sendable {
    // @unchecked Sendable: all of them are read-only after loading.
    /// The model, its weights mapped from the file.
    public let model: Llama
    /// The tokenizer the file's metadata describes.
    public let tokenizer: GGUFTokenizer
    /// The file's path.
    public let path: String
    /// The file's `tokenizer.chat_template`, as written (nil when it has none).
    public let chatTemplateText: String?

    /// Opens `path`; throws a `FileError` or `ConfigError` naming the file when it
    /// is missing or malformed, or when its tokenizer has more tokens than the model has embeddings.
    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FileError(path: path, "no such file (Scripts/fetch_models.sh fetches Models/SmolLM2-135M-Instruct.Q4_1.gguf)")
        }
        self.path = path
        (model, tokenizer, chatTemplateText) = try Self.load(path)
        // The file and its parsed metadata are gone now (the matrices keep only the mapping):
        // hand their pages back too.
        ProcessMemory.releaseFreedHeap()
    }

    private static func load(_ path: String) throws -> (Llama, GGUFTokenizer, String?) {
        let file = try GGUFFile(path: path)
        let chatTemplate = try file.optionalString("tokenizer.chat_template")
        // The tokenizer first: its temporary tables (50k merge rules) are freed and their pages
        // returned to the system before the weights' pages are first touched, so that the two
        // never count in the resident size together.
        let tokenizer = try GGUFTokenizer(gguf: file)
        ProcessMemory.releaseFreedHeap()
        file.releaseHeaderPages()
        let model = try Llama(gguf: file)
        guard tokenizer.vocabularySize <= model.config.vocabularySize else {
            throw FileError(path: path, key: "tokenizer.ggml.tokens",
                                 "the tokenizer has \(tokenizer.vocabularySize) tokens, more than the model's \(model.config.vocabularySize) embeddings")
        }
        return (model, tokenizer, chatTemplate)
    }

    /// The model's chat format; throws ``ChatTemplateError`` when the file has no chat template
    /// or one that Strata does not recognise (see ``ChatTemplate``).
    public func chatTemplate() throws -> ChatTemplate {
        try ChatTemplate(template: chatTemplateText, of: path)
    }
}
