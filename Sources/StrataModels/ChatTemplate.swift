import Foundation

/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
    /// `system`, `user` or `assistant`.
    public var role: String
    /// The text of the turn.
    public var content: String

    /// A message from `role` (`system`, `user` or `assistant`) with text `content`.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Why a chat template cannot be used.
public struct ChatTemplateError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// What is wrong with the template.
    public let description: String
    /// The same text as `description`, for `LocalizedError`.
    public var errorDescription: String? { description }
}

/// A model's chat format, recognised from the Jinja template its files carry
/// (`tokenizer.chat_template`). Strata does not run Jinja: it recognises the ChatML family
/// (templates that write `<|im_start|>role\ncontent<|im_end|>\n`, as SmolLM2 and Qwen do),
/// with the default system message some of them insert when the conversation has none.
/// Any other template is an "unsupported chat template" error.
///
/// ```swift
/// let chat = try ChatTemplate(template: templateText)
/// let prompt = chat.render([ChatMessage(role: "user", content: "Hi!")])
/// // "<|im_start|>system\n...<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n"
/// ```
public struct ChatTemplate: Sendable, Equatable {
    /// The template's text, as read.
    public let template: String
    /// The system message written first when the conversation does not start with one.
    public let defaultSystemMessage: String?

    static let start = "<|im_start|>", end = "<|im_end|>"

    /// Recognises `template`; throws ``ChatTemplateError`` when it is not ChatML.
    public init(template: String) throws {
        guard template.contains(Self.start) && template.contains(Self.end) else {
            let shown = template.count > 80 ? String(template.prefix(80)) + "…" : template
            throw ChatTemplateError(description: "unsupported chat template (only the ChatML family, with <|im_start|>...<|im_end|>, is supported): \(shown.debugDescription)")
        }
        self.template = template
        defaultSystemMessage = Self.defaultSystem(in: template)
    }

    /// The literal system message of `<|im_start|>system\n...<|im_end|>` in the template, when
    /// it is plain text (not built from template expressions).
    static func defaultSystem(in template: String) -> String? {
        guard let head = template.range(of: start + "system") else { return nil }
        var rest = template[head.upperBound...]
        if rest.hasPrefix("\n") {
            rest = rest.dropFirst()
        } else if rest.hasPrefix("\\n") {
            rest = rest.dropFirst(2)
        } else {
            return nil
        }
        guard let close = rest.range(of: end) else { return nil }
        let text = String(rest[..<close.lowerBound])
        guard !text.isEmpty, !text.contains("{{"), !text.contains("{%"), !text.contains("' +"), !text.contains("+ '") else {
            return nil
        }
        return text.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\'", with: "'")
    }

    /// The conversation as the model was trained to read it; with `addGenerationPrompt`, ends
    /// with the header of an assistant turn for the model to write.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var out = ""
        if let system = defaultSystemMessage, messages.first?.role != "system" {
            out += Self.start + "system\n" + system + Self.end + "\n"
        }
        for m in messages {
            out += Self.start + m.role + "\n" + m.content + Self.end + "\n"
        }
        if addGenerationPrompt { out += Self.start + "assistant\n" }
        return out
    }
}
