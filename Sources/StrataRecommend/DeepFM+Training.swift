import StrataCore
import StrataNN
import StrataData
import StrataTrain

extension DeepFM {
    /// Training on `train` through `Trainer`: MSE (ratings) or binary cross-entropy (clicks:
    /// targets are `value >= clickThreshold`), plus `options.l2` times the squared norms of the
    /// embedding rows each batch uses. After each epoch: RMSE and MAE on `validation` for
    /// ratings (`val_rmse`, `val_mae`); log loss, accuracy and AUC for clicks (`val_logloss`, ...).
    ///
    /// ```swift
    /// let training = deepFM.training(on: train, validation: test, options: TrainingOptions.defaults(for: .deepFM).options)
    /// try training.fit()
    /// ```
    public func training(on train: RatingTable, validation: RatingTable? = nil, clickThreshold: Float = 4,
                         options: TrainingOptions) -> RecommenderTrainer {
        let range = train.ratingRange, l2 = options.l2, clicks = config.target == .click
        // The batch's targets are ratings; a click model learns whether each reaches the threshold.
        let labels: (Tensor) -> Tensor = { clicks ? Tensor($0.floats.map { $0 >= clickThreshold ? 1 : 0 }) : $0 }
        let loss: (Tensor, Tensor) -> Tensor = { y, ratings in
            clicks ? binaryCrossEntropy(logits: y, targets: labels(ratings)) : mseLoss(y, ratings)
        }
        return RecommenderTrainer(
            model: self, options: options, batches: RatingBatches(train, batchSize: options.batchSize, seed: options.seed),
            forward: { ids in
                let (users, items, _) = RatingBatches.ids(ids)
                return self(users: users, items: items)
            },
            loss: loss,
            step: { batch in
                let (users, items, _) = RatingBatches.ids(batch.inputs)
                let rows = self.fieldRows(users: users, items: items)
                let y = self.logits(rows: rows, batch: users.count)
                var total = loss(y, batch.targets)
                if l2 > 0 { total = total + self.embedding.squaredNormOfRows(rows) * (l2 / Double(users.count)) }
                return (y, total)
            },
            validation: !clicks ? RatingMetrics.epochValidation(self, on: validation, range: range) : validation.flatMap { table in
                table.ratings.isEmpty ? nil : {
                    let p = self.predictions(users: table.ratings.map(\.user), items: table.ratings.map(\.item))
                    return ClickMetrics.evaluate(probabilities: p, labels: table.ratings.map { $0.value >= clickThreshold }).named
                }
            })
    }

    /// Trains on `train` (see ``training(on:validation:clickThreshold:options:)``) and returns the history.
    ///
    /// ```swift
    /// let history = try deepFM.fit(train, validation: test, options: TrainingOptions(epochs: 15))
    /// print(history["val_rmse"].last!)
    /// ```
    @discardableResult
    public func fit(_ train: RatingTable, validation: RatingTable? = nil, clickThreshold: Float = 4, options: TrainingOptions,
                    callbacks: [Callback] = []) throws -> History {
        try training(on: train, validation: validation, clickThreshold: clickThreshold, options: options).fit(callbacks: callbacks)
    }
}
