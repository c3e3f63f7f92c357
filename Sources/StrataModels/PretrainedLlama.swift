import Foundation
import StrataCore
import StrataIO

/// A Llama-family GGUF file opened for generation: the model, its tokenizer, and the file
/// (for the chat template and other metadata). The weights stay mapped from the file.
///
/// ```swift
/// let pretrained = try PretrainedLlama(path: "Models/SmolLM2-135M-Instruct.Q4_1.gguf")
/// let prompt = try ChatTemplate(gguf: pretrained.file).render([ChatMessage(role: "user", content: "Hi")])
/// let ids = try pretrained.tokenizer.encode(prompt, allowSpecial: true)
/// ```
public struct PretrainedLlama: @unchecked Sendable {
    // @unchecked Sendable: all three are read-only after loading.
    /// The model, its weights mapped from the file.
    public let model: Llama
    /// The tokenizer the file's metadata describes.
    public let tokenizer: GGUFTokenizer
    /// The opened GGUF file, for its metadata (such as the chat template).
    public let file: GGUFFile

    /// Opens `path`; throws a `FileError` or `ConfigError` naming the file when it
    /// is missing or malformed, or when its tokenizer has more tokens than the model has embeddings.
    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FileError(path: path, "no such file (Scripts/fetch_models.sh fetches Models/SmolLM2-135M-Instruct.Q4_1.gguf)")
        }
        file = try GGUFFile(path: path)
        // The tokenizer first: its temporary tables (50k merge rules) are freed and their pages
        // returned to the system before the weights' pages are first touched, so that the two
        // never count in the resident size together.
        tokenizer = try GGUFTokenizer(gguf: file)
        ProcessMemory.releaseFreedHeap()
        file.releaseHeaderPages()
        model = try Llama(gguf: file)
        guard tokenizer.vocabularySize <= model.config.vocabularySize else {
            throw FileError(path: path, key: "tokenizer.ggml.tokens",
                                 "the tokenizer has \(tokenizer.vocabularySize) tokens, more than the model's \(model.config.vocabularySize) embeddings")
        }
    }
}
