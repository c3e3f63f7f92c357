import Foundation
import Strata
import Testing
import _StrataTestSupport

// Every Swift snippet of README.md, copied here so that it compiles, and run, each once the data
// or model it reads is present (paths are relative to the package root, where `swift test`
// runs). `readmeSnippetsAreHere` fails when a README snippet and its copy here differ. Snippets
// that draw random numbers run with a generator of their own (`GlobalRandom.isolated`).

/// Whether `paths` (relative to the working directory) all exist; prints why a snippet is skipped.
private func present(_ paths: String...) -> Bool {
    let missing = paths.filter { !FileManager.default.fileExists(atPath: $0) }
    if !missing.isEmpty { print("skipped a README snippet: \(missing.joined(separator: ", ")) not found (run Scripts/fetch_models.sh or the commands that write them)") }
    return missing.isEmpty
}

@Suite("README snippets", .serialized)
struct ReadmeSnippetTests {
    @Test("every Swift snippet in README.md is copied in this file, line for line")
    func readmeSnippetsAreHere() throws {
        let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        let here = try String(contentsOfFile: #filePath, encoding: .utf8)
        func lines(_ text: Substring) -> [String] {
            text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let fileLines = lines(Substring(here))
        let blocks = readme.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.count >= 9)
        for block in blocks where !block.hasPrefix("// Package.swift") {
            // The snippet's lines must appear here in order (a function header may sit between a
            // type declaration and the statements that follow it).
            var position = 0
            for line in lines(Substring(block)) {
                guard let found = fileLines[position...].firstIndex(of: line) else {
                    Issue.record("README line not copied in ReadmeSnippetTests.swift (in order): \(line)")
                    break
                }
                position = found + 1
            }
        }
    }

    @Test("Tensors and gradients")
    func tensorsAndGradients() {
        GlobalRandom.isolated {          // no other test changes these numbers
            let x = Tensor([[1, 2], [3, 4]] as [[Float]], requiresGrad: true)
            let w = Tensor([0.5, -1] as [Float], requiresGrad: true)
            let y = (x * w).sum(axes: [1]).tanh()      // broadcasting, reduction, activation
            y.sum().backward()
            print(x.grad!)                             // d(sum y)/dx
            print(w.grad!)

            let probs = Tensor.normal([4, 10]).softmax(axis: -1)
            let rows = probs[1..<3, .all]              // numpy-style slicing
            #expect(rows.shape == [2, 10] && x.grad?.shape == [2, 2])
            for sum in rows.sum(axes: [1]).doubles { #expect(Swift.abs(sum - 1) < 1e-6) }
            // y_i = tanh(s_i), s = [0.5 - 2, 1.5 - 4] = [-1.5, -2.5]; dy/dx_ij = (1 - y_i²) w_j
            let d = [-1.5, -2.5].map { 1 - Foundation.tanh($0) * Foundation.tanh($0) }
            let expectedX = [d[0] * 0.5, -d[0], d[1] * 0.5, -d[1]]
            for (got, want) in zip(x.grad!.doubles, expectedX) { #expect(Swift.abs(got - want) < 1e-6) }
            let expectedW = [d[0] * 1 + d[1] * 3, d[0] * 2 + d[1] * 4]
            for (got, want) in zip(w.grad!.doubles, expectedW) { #expect(Swift.abs(got - want) < 1e-5) }
        }
    }

    @Test("Strata as a library: a custom module, a hand-written loop, saving and loading")
    func customModuleAndLoop() throws {
        try GlobalRandom.isolated {          // no other test changes these numbers
            final class TwoLayer: Module {
                let hidden = Linear(784, 128), output = Linear(128, 10)
                override func callAsFunction(_ x: Tensor) -> Tensor { output(hidden(x.flattened(from: 1)).relu()) }
            }
            guard present("Data/mnist") else { return }

            Tensor.manualSeed(0)
            let train = try MNIST.load(directory: "Data/mnist", split: .train).subset(0..<6000)
            let model = TwoLayer()
            let optimizer = Adam(model.parameters(), learningRate: 1e-3)
            let loader = DataLoader(train, batchSize: 64, shuffle: true, seed: 0)
            var means: [Double] = []
            for epoch in 0..<2 {
                var total = 0.0
                for batch in loader {                                     // epoch 0, then a new shuffle
                    optimizer.zeroGrad()
                    let loss = crossEntropy(logits: model(batch.inputs), targets: batch.targets)
                    loss.backward()
                    optimizer.step()
                    total += loss.item()
                }
                print("epoch \(epoch): mean loss \(total / Double(loader.batchCount))")
                means.append(total / Double(loader.batchCount))
            }
            #expect(means[1] < means[0])

            try FileManager.default.createDirectory(atPath: "runs", withIntermediateDirectories: true)
            try SafeTensors.save(model.stateDict(), to: "runs/two-layer.safetensors")
            let restored = TwoLayer()
            try restored.loadStateDict(SafeTensors.load(path: "runs/two-layer.safetensors").tensors)   // checks keys, shapes, dtypes
            restored.eval()                                               // dropout off, running statistics
            let probe = train.batch([0, 1, 2]).inputs
            #expect(maxAbsDifference(restored(probe), model(probe)) == 0)
        }
    }

    @Test("Strata as a library: an update by hand, literals and promotion")
    func updateByHand() {
        GlobalRandom.isolated {          // no other test changes these numbers
            Tensor.manualSeed(1)
            var w = Tensor.randn([3, 1], requiresGrad: true)
            let x = Tensor([[1, 2, 3], [4, 5, 6.5]])                     // float32
            let target = Tensor([[1], [2]]) * 0.5                         // int64 * Double -> float32
            let first = mseLoss(x.matmul(w), target).item()
            let parameter = w
            for _ in 0..<100 {
                w.grad = nil
                mseLoss(x.matmul(w), target).backward()
                w -= 0.01 * w.grad!                                       // in place: w stays the same leaf
            }
            let correct = (x.matmul(w) .> 0.5).sum()                     // Bool sums count, in int64
            #expect(w === parameter && w.isLeaf)
            #expect(mseLoss(x.matmul(w), target).item() < first / 10)
            #expect(correct.dtype == .int64)
        }
    }

    @Test("Strata as a library: every checkpoint and pretrained format")
    func loadingCheckpoints() throws {
        guard present("runs/mnist-mlp/model.safetensors", "runs/gpt-shakespeare", "runs/recommender-mf",
                      "Models/SmolLM2-135M-Instruct.Q4_1.gguf", "Models/all-MiniLM-L6-v2") else { return }
        let classifier = try ImageClassifierCheckpoint(path: "runs/mnist-mlp")   // strata train mnist
        let (languageModel, characters, _) = try LanguageModelCheckpoint.load(directory: "runs/gpt-shakespeare")
        let recommender = try RecommenderCheckpoint(directory: "runs/recommender-mf")
        let llama = try PretrainedLlama(path: "Models/SmolLM2-135M-Instruct.Q4_1.gguf")        // GGUF
        let encoder = try SentenceEncoder(directory: "Models/all-MiniLM-L6-v2")                // Hugging Face folder
        let any = try LoadedModel.load("runs/recommender-mf")                                  // any of them, by its files
        #expect(classifier.dataset.classNames.count == 10 && characters.vocabularySize == languageModel.vocabularySize)
        #expect(recommender.users.count > 0 && llama.model.config.layers > 0 && encoder.maximumLength > 0)
        #expect(any.kind == .recommender)
    }

    @Test("Strata as a library: generating text")
    func generatingText() throws {
        guard present("Models/SmolLM2-135M-Instruct.Q4_1.gguf") else { return }
        let pretrained = try PretrainedLlama(path: "Models/SmolLM2-135M-Instruct.Q4_1.gguf")
        let chat = try pretrained.chatTemplate().render([ChatMessage(role: "user", content: "What is the capital of France?")])
        var greedy = TokenSampler(temperature: 0)
        var stream = TokenStream(tokenizer: pretrained.tokenizer)
        var text = ""
        generate(pretrained.model.decoder(), prompt: try pretrained.tokenizer.encode(chat, allowSpecial: true),
                 maxTokens: 32, sampler: &greedy) { id in
            if pretrained.tokenizer.endOfGeneration.contains(id) { return false }
            print(stream.append(id), terminator: "")
            text += try! pretrained.tokenizer.decode([id])
            return true
        }
        print(stream.flush())
        #expect(text.contains("Paris"))
    }

    @Test("Training with Trainer and callbacks")
    func trainer() throws {
        try GlobalRandom.isolated {          // no other test changes these numbers
            guard present("Data/mnist") else { return }
            let train = try MNIST.load(directory: "Data/mnist", split: .train)
            let test = try MNIST.load(directory: "Data/mnist", split: .test)
            Tensor.manualSeed(42)
            let model = MLP(MLP.Config(hiddenSizes: [512, 256], dropout: 0.2))
            let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 1e-3))
            try trainer.fit(DataLoader(train, batchSize: 128, shuffle: true, seed: 42), epochs: 3,
                            validation: DataLoader(test, batchSize: 1000),
                            callbacks: [EarlyStopping(monitor: "val_loss", patience: 2),
                                        ModelCheckpoint(path: "runs/best.safetensors", monitor: "val_accuracy", saveBestOnly: true)])
            print(trainer.evaluate(DataLoader(test, batchSize: 1000)))   // ["loss": ..., "accuracy": ...]
            #expect((trainer.evaluate(DataLoader(test, batchSize: 1000))["accuracy"] ?? 0) > 0.97)
        }
    }

    @Test("The building blocks")
    func buildingBlocks() {
        GlobalRandom.isolated {          // no other test changes these numbers
            let x = Tensor.randn([2, 5, 64])                                           // [B, T, C]
            let lstm = LSTM(inputSize: 64, hiddenSize: 256, layers: 2, dropout: 0.1)   // batch-first, PyTorch gate order and keys
            let (outputs, state) = lstm(x, state: nil)                                 // outputs [B, T, 256]; state: (h, c), each [layers, B, H]
            let gru = GRU(inputSize: 64, hiddenSize: 128)
            let attention = MultiHeadAttention(width: 64, heads: 4)
            let padding = Tensor([[false, false, false, true, true], [false, false, false, false, false]])
            let y = attention(x, causal: true, keyPaddingMask: padding)                // padding: Bool [B, T], true = ignore
            let block = TransformerBlock(width: 64, heads: 4, dropout: 0.1)            // pre-LayerNorm, GELU MLP
            let gpt = GPT(GPT.Config(vocabularySize: 65, context: 128, layers: 4, heads: 4, width: 128))
            let cache = KeyValueCache()
            let promptIds = Tensor([[20, 43, 50, 50, 53]])                             // [1, T] token ids
            let logits = gpt(promptIds, cache: cache)                                  // [1, T, 65]; then one id at a time
            var sampler = TokenSampler(temperature: 0.8, topK: 40, topP: 0.95, seed: 1)
            #expect(outputs.shape == [2, 5, 256] && state.h.shape == [2, 2, 256] && y.shape == [2, 5, 64])
            #expect(gru(x, state: nil).0.shape == [2, 5, 128] && block(x).shape == [2, 5, 64] && logits.shape == [1, 5, 65])
            #expect((0..<65).contains(sampler.sample(logits[0, 4].floats)))
        }
    }

    @Test("Distributed training: the library calls, in one process")
    func distributedLibrary() throws {
        try GlobalRandom.isolated {          // no other test changes these numbers
            let model = Sequential(Linear(2, 2))
            let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1))
            let tensor = Tensor([1, 2] as [Float]), part = Tensor([3] as [Float]), sum = Tensor([4, 6] as [Float])
            let group = try DistributedRuntime.worldGroup()   // MPI under mpirun, else one process
            trainer.distribute(over: group)                   // Trainer or LanguageModelTrainer
            group.allReduce(tensor, .average); group.broadcast(tensor, root: 0)
            let all = group.allGather(part); let mine = group.reduceScatter(sum); group.barrier()
            #expect(group.worldSize == 1 && all.floats == [3] && mine.floats == [4, 6] && tensor.floats == [1, 2])
        }
    }

    @Test("Sentence embeddings")
    func sentenceEmbeddings() throws {
        guard present("Models/all-MiniLM-L6-v2") else { return }
        let encoder = try SentenceEncoder(directory: "Models/all-MiniLM-L6-v2")
        let v = try encoder.encode(["A man is eating food.", "A man is eating a piece of bread."], batchSize: 32)
        print(SentenceEncoder.cosineSimilarity(v[0], v[1]))   // 0.7553
        #expect(Swift.abs(SentenceEncoder.cosineSimilarity(v[0], v[1]) - 0.7553) < 1e-3)
    }
}
