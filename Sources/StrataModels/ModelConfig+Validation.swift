import StrataCore

// Each configuration a checkpoint can carry is checked before a model is built from it:
// positive sizes within ConfigCheck.maxDimension, dropout in [0, 1), shapes that fit together,
// and a parameter count within ConfigCheck.maxParameters.

extension GPT.Config {
    /// Throws a ``ConfigError`` naming `source` and the key when this configuration cannot be built.
    ///
    /// ```swift
    /// try GPT.Config(vocabularySize: 65, heads: 3).validate(source: "config.json")   // width 128 % heads 3 ≠ 0: throws
    /// ```
    public func validate(source: String) throws {
        let check = ConfigCheck(source: source), limit = ConfigCheck.maxDimension
        try check.int(vocabularySize, "vocabularySize", in: 1...limit)
        try check.int(context, "context", in: 1...limit)
        try check.int(layers, "layers", in: 1...1024)
        try check.int(heads, "heads", in: 1...1024)
        try check.int(width, "width", in: 1...65_536)
        try check.require(width % heads == 0, "width", "\(width) is not a multiple of heads \(heads)")
        try check.double(dropout, "dropout", in: 0...1, upperOpen: true)
        try check.parameters(parameterEstimate, key: "width")
    }

    /// About how many parameters the model has: embeddings, and 12 width² per block.
    public var parameterEstimate: Double {
        let w = Double(width)
        return Double(vocabularySize + context) * w + Double(layers) * 12 * w * w
    }
}

extension LSTMLanguageModel.Config {
    /// Throws a ``ConfigError`` naming `source` and the key when this configuration cannot be built.
    public func validate(source: String) throws {
        let check = ConfigCheck(source: source), limit = ConfigCheck.maxDimension
        try check.int(vocabularySize, "vocabularySize", in: 1...limit)
        try check.int(embedding, "embedding", in: 1...65_536)
        try check.int(hidden, "hidden", in: 1...65_536)
        try check.int(layers, "layers", in: 1...256)
        try check.double(dropout, "dropout", in: 0...1, upperOpen: true)
        try check.parameters(parameterEstimate, key: "hidden")
    }

    /// About how many parameters the model has (at most 4 hidden² per layer too many).
    public var parameterEstimate: Double {
        let h = Double(hidden)
        return Double(vocabularySize) * (Double(embedding) + h) + Double(layers) * 4 * h * (Double(embedding) + 2 * h)
    }
}

extension MLP.Config {
    /// Throws a ``ConfigError`` naming `source` and the key when this configuration cannot be built.
    public func validate(source: String) throws {
        let check = ConfigCheck(source: source), limit = 1 << 20
        try check.int(inputSize, "inputSize", in: 1...limit)
        try check.ints(hiddenSizes, "hiddenSizes", in: 1...limit, count: 0...256)
        try check.int(outputSize, "outputSize", in: 1...limit)
        try check.double(dropout, "dropout", in: 0...1, upperOpen: true)
        let sizes = [inputSize] + hiddenSizes + [outputSize]
        try check.parameters(zip(sizes, sizes.dropFirst()).reduce(0) { $0 + Double($1.0) * Double($1.1) }, key: "hiddenSizes")
    }
}

extension ConvNet.Config {
    /// Throws a ``ConfigError`` naming `source` and the key when this configuration cannot be built.
    public func validate(source: String) throws {
        let check = ConfigCheck(source: source)
        try check.int(inputChannels, "inputChannels", in: 1...1024)
        try check.int(imageSize, "imageSize", in: 4...4096)
        try check.int(classes, "classes", in: 1...1 << 20)
        try check.double(dropout, "dropout", in: 0...1, upperOpen: true)
        guard channels.count == 2 else {
            throw ConfigError(source: source, key: "channels", message: "\(channels.count) values; a ConvNet has two convolutions")
        }
        for c in channels { try check.int(c, "channels", in: 1...4096) }
        try check.int(hidden, "hidden", in: 1...65_536)
        try check.parameters(Double(imageSize / 4) * Double(imageSize / 4) * Double(channels[1]) * Double(hidden)
                             + Double(channels[0]) * Double(channels[1]) * 9, key: "imageSize")
    }
}
