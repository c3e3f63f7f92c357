import StrataCore

// Recommender configurations read from a checkpoint are checked before a model is built from
// them: positive counts within bounds, dropout in [0, 1), a parameter count within
// ConfigCheck.maxParameters.

extension MatrixFactorization.Config {
    /// Throws a ``ConfigError`` naming `source` and the key when this configuration cannot be built.
    public func validate(source: String) throws {
        let check = ConfigCheck(source: source)
        try check.int(users, "users", in: 1...ConfigCheck.maxDimension)
        try check.int(items, "items", in: 1...ConfigCheck.maxDimension)
        try check.int(factors, "factors", in: 1...4096)
        try check.double(initStd, "initStd", in: 0...10)
        try check.parameters(parameterEstimate, key: "factors")
    }

    /// The parameter count: a vector and a bias per user and item.
    public var parameterEstimate: Double { Double(users + items) * Double(factors + 1) }
}

extension DeepFM.Config {
    /// Throws a ``ConfigError`` naming `source` and the key when this configuration cannot be built.
    public func validate(source: String) throws {
        let check = ConfigCheck(source: source)
        try check.int(users, "users", in: 1...ConfigCheck.maxDimension)
        try check.int(items, "items", in: 1...ConfigCheck.maxDimension)
        try check.int(factors, "factors", in: 1...4096)
        try check.ints(hidden, "hidden", in: 1...65_536, count: 0...64)
        try check.ints(userFieldSizes, "userFieldSizes", in: 1...ConfigCheck.maxDimension, count: 0...256)
        try check.ints(itemFieldSizes, "itemFieldSizes", in: 1...ConfigCheck.maxDimension, count: 0...256)
        try check.double(initStd, "initStd", in: 0...10)
        try check.double(dropout, "dropout", in: 0...1, upperOpen: true)
        try check.parameters(parameterEstimate, key: "factors")
    }

    /// About how many parameters the model has: a vector and a weight per id and per category.
    public var parameterEstimate: Double {
        let rows = Double(users + items) + Double((userFieldSizes + itemFieldSizes).reduce(0, +))
        return rows * Double(factors + 1)
    }
}

extension LightGCN.Config {
    /// Throws a ``ConfigError`` naming `source` and the key when this configuration cannot be built.
    public func validate(source: String) throws {
        let check = ConfigCheck(source: source)
        try check.int(users, "users", in: 1...ConfigCheck.maxDimension)
        try check.int(items, "items", in: 1...ConfigCheck.maxDimension)
        try check.int(factors, "factors", in: 1...4096)
        try check.int(layers, "layers", in: 1...16)
        try check.double(initStd, "initStd", in: 0...10)
        try check.parameters(parameterEstimate, key: "factors")
    }

    /// The parameter count: a vector per user and item.
    public var parameterEstimate: Double { Double(users + items) * Double(factors) }
}
