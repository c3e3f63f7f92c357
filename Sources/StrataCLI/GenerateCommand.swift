import ArgumentParser
import Foundation
import Strata

/// `strata generate`: text from a language-model checkpoint, streamed as it is sampled.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Generate text from a checkpoint written by 'strata train lm'.",
        discussion: """
            The prompt is printed, then each new token as soon as it is drawn. GPT models decode with a
            key/value cache; LSTM models carry their state. --temperature 0 is greedy decoding.
            Example: strata generate --checkpoint runs/lm-gpt --prompt "ROMEO:" --max-tokens 300
            """)

    @Option(help: "A directory written by 'strata train lm'.") var checkpoint: String
    @Option(help: "The text to continue.") var prompt: String = "\n"
    @Option(help: "Tokens to generate.") var maxTokens: Int = 200
    @Option(help: "Softmax temperature (0: greedy).") var temperature: Double = 0.8
    @Option(help: "Sample from the k most likely tokens only.") var topK: Int?
    @Option(help: "Sample from the smallest set of tokens whose probability reaches p.") var topP: Double?
    @Option(help: "Random seed.") var seed: UInt64 = 0

    func validate() throws {
        guard temperature >= 0 else { throw ValidationError("--temperature must be ≥ 0") }
        guard topK.map({ $0 >= 1 }) ?? true else { throw ValidationError("--top-k must be ≥ 1") }
        guard topP.map({ $0 > 0 && $0 <= 1 }) ?? true else { throw ValidationError("--top-p must be in (0, 1]") }
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be ≥ 0") }
    }

    func run() throws {
        let (model, tokenizer, _) = try LanguageModelCheckpoint.load(directory: checkpoint)
        let ids: [Int]
        do { ids = try tokenizer.encode(prompt) } catch {
            throw UserFacingError("the prompt cannot be encoded by the checkpoint's tokenizer: \(error)")
        }
        guard !ids.isEmpty else { throw UserFacingError("the prompt is empty; give at least one character") }
        var sampler = TokenSampler(temperature: temperature, topK: topK, topP: topP, seed: seed)
        print(prompt, terminator: "")
        var stream = TokenStream(tokenizer: tokenizer)
        generate(model.decoder(), prompt: ids, maxTokens: maxTokens, sampler: &sampler) { id in
            stream.write(id)
            return true
        }
        stream.finish()
    }
}
