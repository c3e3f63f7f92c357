import ArgumentParser
import Foundation
import Strata

/// `strata perplexity`: how well a GGUF language model predicts a text file.
struct PerplexityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity", abstract: "Perplexity of a GGUF language model on a text file.",
        discussion: """
            The text is tokenized as plain text (special tokens such as <|im_start|> are not parsed). When
            it fits in --context tokens it is scored in one window: every token after the first. A longer
            text is cut as llama.cpp's perplexity tool cuts it: consecutive windows of --context tokens (a
            shorter tail is dropped), each scoring only the tokens of its second half.
            Example: strata perplexity --model Models/SmolLM2-135M-Instruct.Q4_1.gguf --data notes.txt --json ppl.json
            """)

    @Option(help: "A GGUF model file (Llama architecture).") var model: String
    @Option(help: "A UTF-8 text file.") var data: String
    @Option(help: "Window length in tokens (default: the model's context).") var context: Int?
    @Option(help: "Also write tokens, mean_nll and perplexity as JSON to this path.") var json: String?

    func validate() throws {
        try OptionCheck.int(context, "--context", in: 2...(1 << 20))
    }

    func run() throws {
        let pretrained = try PretrainedLlama(path: model)
        let (llama, tokenizer) = (pretrained.model, pretrained.tokenizer)
        let text = try TextCorpus.read(path: data)   // regular file, gzip or plain, UTF-8 checked with the offset
        let ids = try tokenizer.encode(text, allowSpecial: false)
        let window = context ?? llama.config.context
        guard window <= llama.config.context else {
            throw UserFacingError("--context \(window) is longer than the model's context of \(llama.config.context) tokens")
        }
        guard ids.count >= 2 else { throw UserFacingError("\(data): \(ids.count) token(s); perplexity needs at least 2") }
        let result = llama.perplexity(of: ids, context: window) { done, total in
            if total > 1 { FileHandle.standardError.write(Data("window \(done)/\(total)\n".utf8)) }
        }
        print("\(data): \(ids.count) tokens, \(result.tokens) scored in \(result.windows) window(s) of up to \(result.context)")
        print(String(format: "mean NLL %.5f  perplexity %.4f", result.meanNLL, result.perplexity))
        if let json {
            let values: [String: JSONValue] = [
                "tokens": .int(result.tokens), "mean_nll": .double(result.meanNLL), "perplexity": .double(result.perplexity),
                "text_tokens": .int(ids.count), "windows": .int(result.windows), "context": .int(result.context),
                "model": .string(model), "data": .string(data),
            ]
            try JSONValue.object(values).write(to: json)
        }
    }
}
