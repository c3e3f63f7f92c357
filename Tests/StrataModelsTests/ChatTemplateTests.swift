import Foundation
import Testing
import StrataModels

@Suite("Chat templates")
struct ChatTemplateTests {
    /// SmolLM2-Instruct's template, as its GGUF stores it (tokenizer.chat_template).
    static let smolLM = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

    @Test("ChatML with a default system message renders like the reference's prompt")
    func smolLMTemplate() throws {
        let chat = try ChatTemplate(template: Self.smolLM)
        #expect(chat.defaultSystemMessage == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        let rendered = chat.render([ChatMessage(role: "user", content: "What is the capital of France?")])
        #expect(rendered == """
            <|im_start|>system
            You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
            <|im_start|>user
            What is the capital of France?<|im_end|>
            <|im_start|>assistant

            """)
    }

    @Test("a conversation that starts with a system message gets no default one")
    func ownSystem() throws {
        let chat = try ChatTemplate(template: Self.smolLM)
        let rendered = chat.render([ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi")],
                                   addGenerationPrompt: false)
        #expect(rendered == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
    }

    @Test("ChatML without a default system message, with escaped newlines")
    func plainChatML() throws {
        let template = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
        let chat = try ChatTemplate(template: template)
        #expect(chat.defaultSystemMessage == nil)
        #expect(chat.render([ChatMessage(role: "user", content: "Hi")]) == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        let escaped = try ChatTemplate(template: "{{ '<|im_start|>system\\nYou\\'re kind.<|im_end|>\\n' }}" + template)
        #expect(escaped.defaultSystemMessage == "You're kind.")
    }

    @Test("other template families are a clear error")
    func unsupported() {
        let llama3 = "{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] + '<|eot_id|>' }}{% endfor %}"
        do {
            _ = try ChatTemplate(template: llama3)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("unsupported chat template"), "\(error)")
        }
    }
}
