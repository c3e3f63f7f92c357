import ArgumentParser
import Foundation
import Strata

/// `strata distill`: trains a smaller MNIST MLP or CNN, or a narrower character GPT, on a
/// teacher's softened outputs plus the labels (Hinton et al. 2015), and the same student alone
/// (same steps and seed) to compare.
struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill", abstract: "Distil a teacher into a smaller student: MNIST (mlp, cnn) or a language model (gpt).",
        discussion: """
            The student minimises alpha T^2 KL(softmax(teacher/T) || softmax(student/T)) + (1 - alpha) CE(student, labels). \
            With --baseline, the same student (same initialisation, batches and steps) is also trained on the labels \
            alone, and both test accuracies (validation losses, for a language model) are printed. A language-model \
            teacher (written by 'strata train lm') takes a gpt student: the teacher's layers and heads at half its \
            width (or --hidden), trained on the teacher's corpus and tokenizer with its batch size and context.
            """)

    @Option(help: "The teacher: a model directory written by 'strata train mnist' (mlp or cnn) or 'strata train lm'.")
    var teacher: String
    @Option(help: "The student: mlp or cnn (MNIST teachers), gpt (language-model teachers).") var student: StudentKind = .mlp
    @Option(help: """
        Hidden sizes of the student MLP, comma-separated (default: half the teacher MLP's, or 256,128); \
        for a cnn student, the width of its one hidden layer (default: half the teacher CNN's, or 64); \
        for a gpt student, its width (default: half the teacher GPT's, or 64).
        """) var hidden: String?
    @Option(help: "Channels of the cnn student's two convolutions, comma-separated (default: half the teacher CNN's, or 16,32).")
    var channels: String?
    @Option(help: "Softmax temperature T.") var temperature: Double = 4
    @Option(help: "Weight of the soft (teacher) term, in [0, 1].") var alpha: Double = 0.9
    @Option(help: "Training epochs (MNIST students).") var epochs: Int = 5
    @Option(help: "Training steps of a gpt student (default: the teacher's).") var steps: Int?
    @Option(help: "Adam learning rate.") var lr: Double = 1e-3
    @Option(help: "Samples per batch.") var batchSize: Int = 128
    @OptionGroup var random: SeedOption
    @Flag(help: "Also train the student alone on the labels, with the same steps and seed.") var baseline = false
    @Option(help: "Directory with the dataset's IDX files, or the text corpus of a language model (default: as in training).")
    var data: String?
    @OptionGroup var output: OutputOption
    @OptionGroup var report: JSONOption

    func validate() throws {
        try OptionCheck.double(temperature, "--temperature", in: 0...1000, open: .lower)
        try OptionCheck.double(alpha, "--alpha", in: 0...1)
        try OptionCheck.int(epochs, "--epochs", in: 1...10_000)
        try OptionCheck.double(lr, "--lr", in: 0...10, open: .lower)
        try OptionCheck.int(batchSize, "--batch-size", in: 1...65_536)
        if let steps { try OptionCheck.int(steps, "--steps", in: 1...10_000_000) }
    }

    /// The students `--student` names.
    enum StudentKind: String, ExpressibleByArgument, CaseIterable {
        case mlp, cnn, gpt
    }

    func run() throws {
        let subject = try CompressionSubject.open(teacher)
        let classifier: ImageClassifierCheckpoint, metadata: [String: String]
        switch subject {
        case .image(let c, let m):
            guard student != .gpt else { throw UserFacingError("\(teacher): an MNIST teacher takes an mlp or cnn student, not gpt") }
            (classifier, metadata) = (c, m)
        case .language(let model, let tokenizer, let m):
            guard student == .gpt else {
                throw UserFacingError("\(teacher): a \(subject.modelName) language model takes a gpt student (--student gpt), not \(student.rawValue)")
            }
            return try distillLanguageModel(model, tokenizer: tokenizer, metadata: m)
        }
        let shape = try studentShape(teacher: classifier.model)
        let directory = try classifier.dataset.locate(data)
        let train = try MNIST.load(directory: directory, split: .train, normalization: classifier.normalization)
        let test = try MNIST.load(directory: directory, split: .test, normalization: classifier.normalization)
        let teacherModel = classifier.model
        teacherModel.train(false)
        let teacherAccuracy = Trainer(model: teacherModel, optimizer: SGD(teacherModel.parameters(), learningRate: 0))
            .evaluate(DataLoader(test, batchSize: 1000))["accuracy"] ?? .nan

        // The student trains in the one loop, Trainer, whose step here adds the teacher's soft targets.
        func trainStudent(alpha: Double) throws -> (Module, Double) {
            Tensor.manualSeed(random.seed)
            let model = shape.make()
            let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: lr), metrics: [.accuracy])
            trainer.trainStep = { batch in
                let soft = withoutGradients { teacherModel(batch.inputs) }
                let logits = model(batch.inputs)
                return (logits, distillationLoss(studentLogits: logits, teacherLogits: soft, targets: batch.targets,
                                                 temperature: temperature, alpha: alpha))
            }
            print(alpha > 0 ? "distilled student:" : "student alone:")
            try trainer.fit(DataLoader(train, batchSize: batchSize, shuffle: true, seed: random.seed), epochs: epochs)
            model.train(false)
            let accuracy = trainer.evaluate(DataLoader(test, batchSize: 1000))["accuracy"] ?? .nan
            return (model, accuracy)
        }

        print("teacher \(classifier.kind.rawValue) (\(teacherModel.parameterCount) parameters): test accuracy \(String(format: "%.2f%%", teacherAccuracy * 100))")
        print("student \(student.rawValue) \(shape.description), T = \(temperature), alpha = \(alpha), \(epochs) epochs")
        let (distilled, distilledAccuracy) = try trainStudent(alpha: alpha)
        var result: [String: JSONValue] = [
            "teacher_accuracy": JSONValue(teacherAccuracy), "teacher_parameters": JSONValue(teacherModel.parameterCount),
            "student_parameters": JSONValue(distilled.parameterCount), "student_accuracy": JSONValue(distilledAccuracy),
            "temperature": JSONValue(temperature), "alpha": JSONValue(alpha), "epochs": JSONValue(epochs),
        ]
        print(String(format: "distilled student: test accuracy %.2f%%", distilledAccuracy * 100))
        if baseline {
            let (_, aloneAccuracy) = try trainStudent(alpha: 0)
            print(String(format: "student trained alone: test accuracy %.2f%%", aloneAccuracy * 100))
            result["student_alone_accuracy"] = JSONValue(aloneAccuracy)
        }
        var header = CompressionSubject.carried(metadata)
        header["distilled_from"] = teacher
        header["distillation_temperature"] = String(temperature)
        header["distillation_alpha"] = String(alpha)
        let out = output.directory(default: "distill-\(student.rawValue)")
        try ImageClassifierCheckpoint.save(distilled, kind: student == .cnn ? .cnn : .mlp, dataset: classifier.dataset,
                                           normalization: classifier.normalization, metadata: header, to: out)
        let path = CompressionSubject.weightsPath(out: out)
        print("  wrote \(path)")
        result["output"] = JSONValue(path)
        if let json = report.json { try MetricsLog.writeResult(result, to: json) }
    }

    /// The student: its builder and a short description of its shape. An MLP gets `--hidden` (or
    /// half the teacher MLP's sizes); a CNN gets `--channels` and `--hidden` (or half the teacher
    /// CNN's), without dropout.
    private func studentShape(teacher: Module) throws -> (make: () -> Module, description: String) {
        func sizes(_ text: String, _ flag: String, count: Int? = nil) throws -> [Int] {
            guard let values = OptionCheck.sizes(text, count: count, in: 1...65_536) else {
                let what = count.map { "\($0) comma-separated sizes" } ?? "comma-separated sizes"
                throw UserFacingError("\(flag) must be \(what) in 1...65536, got '\(text)'")
            }
            return values
        }
        switch student {
        case .mlp:
            let hiddenSizes = try hidden.map { try sizes($0, "--hidden") }
                ?? (teacher as? MLP).map { $0.config.hiddenSizes.map { Swift.max(1, $0 / 2) } } ?? [256, 128]
            guard channels == nil else { throw UserFacingError("--channels applies to a cnn student") }
            return ({ MLP(MLP.Config(hiddenSizes: hiddenSizes, dropout: 0)) }, hiddenSizes.map(String.init).joined(separator: "-"))
        case .cnn, .gpt:   // gpt: a language-model teacher, which run() has sent elsewhere
            let cnn = teacher as? ConvNet
            let widths = try channels.map { try sizes($0, "--channels", count: 2) }
                ?? cnn.map { $0.config.channels.map { Swift.max(1, $0 / 2) } } ?? [16, 32]
            let width = try hidden.map { try sizes($0, "--hidden", count: 1)[0] } ?? cnn.map { Swift.max(1, $0.config.hidden / 2) } ?? 64
            let config = ConvNet.Config(dropout: 0, channels: widths, hidden: width)
            try config.validate(source: "the student's flags")
            return ({ ConvNet(config) }, "channels \(widths[0]),\(widths[1]), hidden \(width)")
        }
    }
}
