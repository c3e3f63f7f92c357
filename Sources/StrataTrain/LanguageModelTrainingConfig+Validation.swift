import StrataCore

extension LanguageModelTrainingConfig {
    /// Throws a ``ConfigError`` naming `source` and the key when a value read from a file (a
    /// checkpoint's `training` metadata) is outside what `strata train lm` accepts on its command
    /// line, before any window or optimizer is built from it.
    ///
    /// ```swift
    /// var c = LanguageModelTrainingConfig()
    /// c.batchSize = 0
    /// try c.validate(source: "runs/lm-gpt: metadata 'training'")   // throws: batchSize
    /// ```
    public func validate(source: String) throws {
        let check = ConfigCheck(source: source)
        try check.int(steps, "steps", in: 1...100_000_000)
        try check.int(batchSize, "batchSize", in: 1...65_536)
        try check.int(context, "context", in: 2...1_048_576)
        try check.double(learningRate, "learningRate", in: 0...10)
        try check.require(learningRate > 0, "learningRate", "\(learningRate); expected a positive rate")
        try check.double(minimumLearningRate, "minimumLearningRate", in: 0...10)
        try check.int(warmupSteps, "warmupSteps", in: 0...100_000_000)
        try check.double(weightDecay, "weightDecay", in: 0...10)
        try check.double(beta1, "beta1", in: 0...1, upperOpen: true)
        try check.double(beta2, "beta2", in: 0...1, upperOpen: true)
        try check.double(gradientClip, "gradientClip", in: 0...1e9)
        try check.int(evaluationInterval, "evaluationInterval", in: 1...100_000_000)
        try check.int(evaluationBatches, "evaluationBatches", in: 1...1_000_000)
    }
}
