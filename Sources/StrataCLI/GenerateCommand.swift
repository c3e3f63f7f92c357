import ArgumentParser
import Foundation
import Strata

/// `strata generate`: text from a language-model checkpoint or a pretrained GGUF model,
/// streamed as it is sampled.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate text from a checkpoint written by 'strata train lm' or a GGUF model.",
        discussion: """
            The prompt is printed, then each new token as soon as it is drawn. GPT and Llama models decode
            with a key/value cache; LSTM models carry their state. --temperature 0 is greedy decoding.
            With --model (a Llama-architecture GGUF file), generation stops at the model's end-of-text
            tokens; --chat sends the prompt as a user message through the model's chat template and
            prints only the reply.
            Examples: strata generate --checkpoint runs/lm-gpt --prompt "ROMEO:" --max-tokens 300
                      strata generate --model Models/SmolLM2-135M-Instruct.Q4_1.gguf --prompt "The capital of France is" --temperature 0
                      strata generate --model Models/SmolLM2-135M-Instruct.Q4_1.gguf --chat --prompt "Name three colours."
            """)

    @Option(help: "A directory written by 'strata train lm'.") var checkpoint: String?
    @Option(help: "A GGUF model file (Llama architecture), such as Models/SmolLM2-135M-Instruct.Q4_1.gguf.") var model: String?
    @Flag(help: "Send the prompt as a user message through the model's chat template (with --model).") var chat = false
    @Option(help: "The text to continue.") var prompt: String = "\n"
    @Option(help: "Tokens to generate.") var maxTokens: Int = 200
    @Option(help: "Softmax temperature (0: greedy).") var temperature: Double = 0.8
    @Option(help: "Sample from the k most likely tokens only.") var topK: Int?
    @Option(help: "Sample from the smallest set of tokens whose probability reaches p.") var topP: Double?
    @OptionGroup var random: SeedOption

    func validate() throws {
        guard temperature >= 0 else { throw ValidationError("--temperature must be ≥ 0") }
        guard topK.map({ $0 >= 1 }) ?? true else { throw ValidationError("--top-k must be ≥ 1") }
        guard topP.map({ $0 > 0 && $0 <= 1 }) ?? true else { throw ValidationError("--top-p must be in (0, 1]") }
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be ≥ 0") }
        guard (checkpoint == nil) != (model == nil) else { throw ValidationError("give exactly one of --checkpoint and --model") }
        guard !chat || model != nil else { throw ValidationError("--chat needs --model (a GGUF file with a chat template)") }
    }

    func run() throws {
        if let model { return try runPretrained(path: model) }
        let (model, tokenizer, _) = try LanguageModelCheckpoint.load(directory: checkpoint!)
        let ids: [Int]
        do { ids = try tokenizer.encode(prompt) } catch {
            throw UserFacingError("the prompt cannot be encoded by the checkpoint's tokenizer: \(error)")
        }
        guard !ids.isEmpty else { throw UserFacingError("the prompt is empty; give at least one character") }
        var sampler = TokenSampler(temperature: temperature, topK: topK, topP: topP, seed: random.seed)
        print(prompt, terminator: "")
        var stream = StandardOutputTokens(tokenizer: tokenizer)
        generate(model.decoder(), prompt: ids, maxTokens: maxTokens, sampler: &sampler) { id in
            stream.write(id)
            return true
        }
        stream.finish()
    }
}

extension GenerateCommand {
    /// Generation from a GGUF file: its tokenizer, special tokens in chat prompts, and a stop at
    /// the end-of-generation tokens (not printed).
    func runPretrained(path: String) throws {
        let pretrained = try PretrainedLlama(path: path)
        let (model, tokenizer) = (pretrained.model, pretrained.tokenizer)
        let text = chat ? try pretrained.chatTemplate().render([ChatMessage(role: "user", content: prompt)]) : prompt
        let ids = try tokenizer.encode(text, allowSpecial: chat)
        guard !ids.isEmpty else { throw UserFacingError("the prompt is empty; give at least one character") }
        guard ids.count <= model.config.context else {
            throw UserFacingError("the prompt is \(ids.count) tokens long, more than the model's context of \(model.config.context) tokens")
        }
        var sampler = TokenSampler(temperature: temperature, topK: topK, topP: topP, seed: random.seed)
        if !chat { print(prompt, terminator: "") }
        var stream = StandardOutputTokens(tokenizer: tokenizer)
        generate(model.decoder(), prompt: ids, maxTokens: maxTokens, sampler: &sampler) { id in
            if tokenizer.endOfGeneration.contains(id) { return false }
            stream.write(id)
            return true
        }
        stream.finish()
    }
}
