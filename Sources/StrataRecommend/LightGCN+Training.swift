import StrataCore
import StrataNN
import StrataData
import StrataTrain

extension LightGCN {
    /// Training on `train` through `Trainer`: BPR over every training interaction per epoch, each
    /// with one negative item drawn by a ``NegativeSampler`` (seeded `options.seed + 1`; its
    /// position is part of the batches' checkpointed state), plus `options.l2` times the layer-0
    /// squared norms of the batch's rows. The graph is built from `train`. After each epoch the
    /// trainer refreshes `propagatedEmbedding` and reports precision, recall, NDCG and hit rate at
    /// 10 on `validation` (`val_recall_at_10`, ...).
    ///
    /// ```swift
    /// let training = model.training(on: train, validation: test, options: TrainingOptions.defaults(for: .lightGCN).options)
    /// try training.fit()
    /// ```
    public func training(on train: RatingTable, validation: RatingTable? = nil, options: TrainingOptions) -> RecommenderTrainer {
        let graph = SparseMatrix.normalizedAdjacency(train)
        let offset = Int32(config.users), l2 = options.l2
        let negatives = NegativeSampler(train, seed: options.seed &+ 1)
        // BPR's scores e_u·e_i and e_u·e_j over the propagated embeddings, with the graph nodes they used.
        func scores(_ inputs: Tensor) -> (positive: Tensor, negative: Tensor, nodes: (users: [Int32], positives: [Int32], negatives: [Int32])) {
            let (users, items, sampled) = RatingBatches.ids(inputs)
            guard let sampled else { ensureFailure("LightGCN: training batches need a negative item column, ids [B, 3]") }
            let positives = items.map { $0 + offset }, negatives = sampled.map { $0 + offset }
            let final = self(graph)
            func rows(_ ids: [Int32]) -> Tensor { final[indices: Tensor(ids)] }
            let u = rows(users)
            return ((u * rows(positives)).sum(axis: 1), (u * rows(negatives)).sum(axis: 1), (users, positives, negatives))
        }
        return RecommenderTrainer(
            model: self, options: options, batches: RatingBatches(train, batchSize: options.batchSize, seed: options.seed, negatives: negatives),
            forward: { ids in   // the margins [B]
                let s = scores(ids)
                return s.positive - s.negative
            },
            loss: { margin, _ in bprLoss(positive: margin, negative: Tensor.zeros(like: margin)) },
            step: { batch in
                let (positive, negative, nodes) = scores(batch.inputs)
                var loss = bprLoss(positive: positive, negative: negative)
                if l2 > 0 {
                    let penalty = self.embedding.squaredNormOfRows(nodes.users) + self.embedding.squaredNormOfRows(nodes.positives)
                        + self.embedding.squaredNormOfRows(nodes.negatives)
                    loss = loss + penalty * (l2 / Double(nodes.users.count))
                }
                return (positive, loss)
            },
            validation: {
                self.propagate(over: graph)
                guard let validation, !validation.ratings.isEmpty else { return [:] }
                return RankingMetrics.evaluate(self, train: train, test: validation, k: 10).named
            })
    }

    /// Trains on `train` (see ``training(on:validation:options:)``) and returns the history.
    ///
    /// ```swift
    /// let history = try model.fit(train, validation: test, options: TrainingOptions(epochs: 30, batchSize: 1024, learningRate: 5e-3))
    /// print(history["val_recall_at_10"].last!)
    /// ```
    @discardableResult
    public func fit(_ train: RatingTable, validation: RatingTable? = nil, options: TrainingOptions, callbacks: [Callback] = []) throws -> History {
        try training(on: train, validation: validation, options: options).fit(callbacks: callbacks)
    }
}
