import ArgumentParser
import Foundation
import Strata

/// `strata tokenize`: text on standard input to token ids, or ids back to text.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Encode standard input as token ids, or decode ids back to text.",
        discussion: """
            Encoding prints the ids separated by spaces on one line. With --decode, standard
            input holds ids separated by spaces or newlines and the text is printed as is.
            Examples:
              echo -n "Hello world" | strata tokenize              # 15496 995
              echo 15496 995 | strata tokenize --decode            # Hello world
              strata tokenize --tokenizer char:chars.json < input.txt
              strata tokenize --tokenizer char:runs/lm-gpt < input.txt   # a checkpoint's tokenizer
            """
    )

    @Option(help: "gpt2 (GPT-2 byte-level BPE from Data/gpt2-tokenizer), char (the characters of the default Shakespeare corpus), or char:PATH (a saved character tokenizer JSON, or a checkpoint directory from 'strata train lm').")
    var tokenizer: String = "gpt2"

    @Option(help: "Directory with the GPT-2 vocab.json and merges.txt (default: Data/gpt2-tokenizer, found automatically).")
    var gpt2Directory: String?

    @Flag(help: "Decode space-separated ids from standard input instead of encoding text.")
    var decode = false

    @Flag(help: "GPT-2 only: read <|endoftext|> in the input as the special token 50256 rather than as text.")
    var allowSpecial = false

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        do {
            if tokenizer == "gpt2" {
                let gpt2 = try GPT2Tokenizer(directory: try DataLocations.gpt2Tokenizer(gpt2Directory))
                try process(input, gpt2) { try gpt2.encode($0, allowSpecial: allowSpecial) }
            } else if tokenizer == "char" {
                // The character vocabulary of the default corpus, as 'strata train lm' builds it.
                let chars = CharacterTokenizer(corpus: try TextCorpus.read(path: DataLocations.shakespeare()))
                try process(input, chars) { try chars.encode($0) }
            } else if tokenizer.hasPrefix("char:") {
                let path = String(tokenizer.dropFirst("char:".count))
                guard !path.isEmpty else { throw UserFacingError("--tokenizer char:PATH needs the path of a saved character tokenizer") }
                // A checkpoint directory from 'strata train lm' holds its tokenizer as tokenizer.json.
                var isDirectory: ObjCBool = false
                let isCheckpoint = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
                let chars = try CharacterTokenizer.load(path: isCheckpoint ? path + "/tokenizer.json" : path)
                try process(input, chars) { try chars.encode($0) }
            } else {
                throw UserFacingError("unknown tokenizer '\(tokenizer)': use gpt2, char or char:PATH")
            }
        } catch let error as TokenizerError {
            throw UserFacingError(error.description)
        }
    }

    private func process(_ input: Data, _ tok: any Tokenizer, encode: (String) throws -> [Int]) throws {
        if decode {
            let text = String(decoding: input, as: UTF8.self)
            var ids: [Int] = []
            for word in text.split(whereSeparator: { $0.isWhitespace }) {
                guard let id = Int(word) else { throw UserFacingError("'\(word)' is not a token id (expected integers separated by spaces)") }
                ids.append(id)
            }
            FileHandle.standardOutput.write(Data(try tok.decode(ids).utf8))
        } else {
            guard let text = String(data: input, encoding: .utf8) else {
                throw UserFacingError("standard input is not valid UTF-8")
            }
            let ids = try encode(text)
            print(ids.map(String.init).joined(separator: " "))
        }
    }
}
