import StrataCore
import StrataNN

/// LightGCN (He et al. 2020) for implicit feedback: user and item embeddings propagated
/// `layers` times over the normalised user-item graph, `E⁽ˡ⁺¹⁾ = Â·E⁽ˡ⁾`, and averaged over
/// layers 0...L; a pair scores `e_u · e_i`. Trained with the BPR loss and uniform negative sampling.
///
/// ```swift
/// let model = LightGCN(.init(users: train.users.count, items: train.items.count))
/// try model.fit(train, validation: test, options: TrainingOptions(epochs: 30, batchSize: 1024, learningRate: 5e-3, l2: 1e-4))
/// let top = model.topItems(user: 0, count: 10, excluding: Set(train.itemsByUser()[0]))
/// ```
public final class LightGCN: Module {
    public struct Config: Codable, Equatable, Sendable {
        public var users: Int
        public var items: Int
        public var factors: Int
        public var layers: Int
        public var initStd: Double

        public init(users: Int, items: Int, factors: Int = 64, layers: Int = 3, initStd: Double = 0.1) {
            self.users = users; self.items = items; self.factors = factors; self.layers = layers; self.initStd = initStd
        }
    }

    public let config: Config
    /// Layer-0 embeddings, users then items: `[users + items, factors]`.
    public let embedding: Tensor
    /// The propagated embeddings used for scoring (a buffer: refreshed by `propagate(over:)`
    /// after training and saved in checkpoints, so that inference needs no graph).
    public let propagatedEmbedding: Tensor

    public init(_ config: Config) {
        self.config = config
        embedding = Initializer.normal(std: config.initStd).make([config.users + config.items, config.factors])
        propagatedEmbedding = Tensor.zeros([config.users + config.items, config.factors])
    }

    /// The layer-averaged embeddings `(E⁽⁰⁾ + ... + E⁽ᴸ⁾) / (L + 1)`, differentiable in `embedding`.
    public func callAsFunction(_ graph: SparseMatrix) -> Tensor {
        ensure(graph.rows == embedding.shape[0], "LightGCN: graph has \(graph.rows) nodes, the model \(embedding.shape[0])")
        var layer = embedding, total = embedding
        for _ in 0..<config.layers {
            layer = graph.multiply(layer)
            total = total + layer
        }
        return total * (1 / Double(config.layers + 1))
    }

    /// Recomputes `propagatedEmbedding` over `graph`.
    public func propagate(over graph: SparseMatrix) {
        propagatedEmbedding.assign(withoutGradients { self(graph) })
    }
}

extension LightGCN: Recommender {
    public var kind: RecommenderKind { .lightGCN }
    public var userCount: Int { config.users }
    public var itemCount: Int { config.items }

    public func predictions(users: [Int32], items: [Int32]) -> [Float] {
        let offset = Int32(config.users)
        let out = Tensor.empty([users.count], dtype: propagatedEmbedding.dtype)
        propagatedEmbedding.device.backend.rowDotProducts(propagatedEmbedding, left: Tensor(users), right: Tensor(items.map { offset + $0 }),
                                                          into: out)
        return out.toArray(as: Float.self)
    }

    public func configJSON() throws -> String { try encodeJSON(config) }
}
