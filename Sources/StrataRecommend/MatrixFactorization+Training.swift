import StrataCore
import StrataNN
import StrataData
import StrataTrain

extension MatrixFactorization: Recommender {
    public var kind: RecommenderKind { .matrixFactorization }
    public var userCount: Int { config.users }
    public var itemCount: Int { config.items }

    public func predictions(users: [Int32], items: [Int32]) -> [Float] {
        withoutGradients { self(users: users, items: items).floats }
    }

    public func configJSON() throws -> String { try encodeJSON(config) }

    /// Training on `train` through `Trainer`: MSE plus `options.l2` times the per-sample penalty
    /// of the rows each batch touches, and after each epoch RMSE and MAE on `validation`
    /// (predictions clipped to the training rating range; logged as `val_rmse`, `val_mae`).
    ///
    /// ```swift
    /// Tensor.manualSeed(42)
    /// let mf = MatrixFactorization(.init(users: table.users.count, items: table.items.count), globalMean: train.meanRating)
    /// let training = mf.training(on: train, validation: test, options: TrainingOptions())
    /// try training.fit(callbacks: [MetricsLogger(path: "runs/mf/metrics.csv")])
    /// ```
    public func training(on train: RatingTable, validation: RatingTable? = nil, options: TrainingOptions) -> RecommenderTrainer {
        let range = train.ratingRange, l2 = options.l2
        let score: (Tensor) -> Tensor = { ids in
            let (users, items, _) = RatingBatches.ids(ids)
            return self(users: users, items: items)
        }
        return RecommenderTrainer(
            model: self, options: options, batches: RatingBatches(train, batchSize: options.batchSize, seed: options.seed),
            forward: score, loss: { mseLoss($0, $1) },
            step: { batch in
                let (users, items, _) = RatingBatches.ids(batch.inputs)
                let predicted = self(users: users, items: items)
                var loss = mseLoss(predicted, batch.targets)
                if l2 > 0 { loss = loss + self.penalty(users: users, items: items) * (l2 / Double(users.count)) }
                return (predicted, loss)
            },
            validation: RatingMetrics.epochValidation(self, on: validation, range: range))
    }

    /// Trains on `train` (see ``training(on:validation:options:)``) and returns the history:
    /// `loss` and `val_rmse`, `val_mae` per epoch.
    ///
    /// ```swift
    /// let history = try mf.fit(train, validation: test, options: TrainingOptions())
    /// print(history["val_rmse"].last!)
    /// ```
    @discardableResult
    public func fit(_ train: RatingTable, validation: RatingTable? = nil, options: TrainingOptions, callbacks: [Callback] = []) throws -> History {
        try training(on: train, validation: validation, options: options).fit(callbacks: callbacks)
    }
}

extension RatingTable {
    /// The smallest and largest rating (1...1 for an empty table).
    public var ratingRange: ClosedRange<Float> {
        guard let lo = ratings.map(\.value).min(), let hi = ratings.map(\.value).max() else { return 1...1 }
        return lo...hi
    }
}
