import StrataCore
import StrataNN

extension MatrixFactorization: Recommender {
    public var kind: RecommenderKind { .matrixFactorization }
    public var userCount: Int { config.users }
    public var itemCount: Int { config.items }

    public func predictions(users: [Int32], items: [Int32]) -> [Float] {
        withoutGradients { self(users: users, items: items).floats }
    }

    public func configJSON() throws -> String { try encodeJSON(config) }

    /// Trains on `train` with MSE plus `options.l2` times the per-sample penalty, reporting
    /// RMSE and MAE on `validation` (predictions clipped to the training rating range) after
    /// each epoch.
    ///
    /// ```swift
    /// Tensor.manualSeed(42)
    /// let mf = MatrixFactorization(.init(users: table.users.count, items: table.items.count), globalMean: train.meanRating)
    /// let history = mf.fit(train, validation: test, options: TrainingOptions())
    /// ```
    @discardableResult
    public func fit(_ train: RatingTable, validation: RatingTable? = nil, options: TrainingOptions) -> [EpochReport] {
        let optimizer = options.makeOptimizer(parameters())
        let range = train.ratingRange
        var rng = RandomGenerator(seed: options.seed)
        let ratings = train.ratings
        return options.run(sampleCount: ratings.count, rng: &rng, step: { batch in
            let users = batch.map { ratings[$0].user }, items = batch.map { ratings[$0].item }
            let target = Tensor(batch.map { ratings[$0].value })
            var loss = mseLoss(self(users: users, items: items), target)
            if options.l2 > 0 { loss = loss + self.penalty(users: users, items: items) * (options.l2 / Double(batch.count)) }
            optimizer.zeroGradients()
            loss.backward()
            optimizer.step()
            return loss.item()
        }, evaluate: {
            guard let validation, !validation.ratings.isEmpty else { return [:] }
            let e = RatingMetrics.evaluate(self, on: validation, range: range)
            return ["rmse": e.rmse, "mae": e.mae]
        })
    }
}

extension RatingTable {
    /// The smallest and largest rating (1...1 for an empty table).
    public var ratingRange: ClosedRange<Float> {
        guard let lo = ratings.map(\.value).min(), let hi = ratings.map(\.value).max() else { return 1...1 }
        return lo...hi
    }
}
