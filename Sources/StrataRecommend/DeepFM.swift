import StrataCore
import StrataNN

/// DeepFM (Guo et al. 2017): a factorisation machine and an MLP that share one embedding per
/// field. Fields are the user id, the item id, then each categorical user attribute and item
/// attribute (`SideFeatures`). For a sample with field embeddings v₁…v_F:
/// `y = w₀ + Σ_f w[x_f] + ½ Σ_k ((Σ_f v_f,k)² − Σ_f v_f,k²) + MLP([v₁ … v_F])`;
/// a rating model predicts y, a click model predicts σ(y).
///
/// ```swift
/// let model = DeepFM(.init(users: 943, items: 1682, target: .rating), globalMean: 3.53)
/// let ratings = model(users: [0, 1], items: [5, 9])   // [2]
/// ```
public final class DeepFM: Module {
    /// What the output predicts.
    public enum Target: String, Codable, Sendable, CaseIterable {
        /// Explicit ratings, trained with MSE.
        case rating
        /// Binary clicks, trained with binary cross-entropy on the logit.
        case click
    }

    public struct Config: Codable, Equatable, Sendable {
        public var users: Int
        public var items: Int
        public var factors: Int
        public var hidden: [Int]
        public var target: Target
        /// Categories per user attribute field and per item attribute field (see `SideFeatures.fieldSizes`).
        public var userFieldSizes: [Int]
        public var itemFieldSizes: [Int]
        public var initStd: Double
        /// Dropout after each hidden layer of the MLP, in training.
        public var dropout: Double

        public init(users: Int, items: Int, factors: Int = 16, hidden: [Int] = [64, 32], target: Target = .rating,
                    userFieldSizes: [Int] = [], itemFieldSizes: [Int] = [], initStd: Double = 0.05, dropout: Double = 0.5) {
            self.users = users; self.items = items; self.factors = factors; self.hidden = hidden; self.target = target
            self.userFieldSizes = userFieldSizes; self.itemFieldSizes = itemFieldSizes; self.initStd = initStd
            self.dropout = dropout
        }

        /// Number of fields per sample.
        public var fieldCount: Int { 2 + userFieldSizes.count + itemFieldSizes.count }
        /// Rows of the shared embedding table: every field's categories, one after another.
        var vocabulary: Int { users + items + userFieldSizes.reduce(0, +) + itemFieldSizes.reduce(0, +) }
    }

    public let config: Config
    /// One row per category of every field: `[vocabulary, factors]`.
    public let embedding: Tensor
    /// First-order weights `[vocabulary]`.
    public let firstOrder: Tensor
    /// w₀, `[1]`.
    public let bias: Tensor
    public let mlp: Sequential
    /// Buffers `[users, userFields]` and `[items, itemFields]`: each entity's attribute rows in
    /// the embedding table (nil without attributes).
    public let userAttributes: Tensor?
    public let itemAttributes: Tensor?

    /// A model whose attribute buffers are filled from `userFeatures` and `itemFeatures` (they
    /// must match the config's field sizes; without them the buffers are zero, to be loaded).
    public init(_ config: Config, globalMean: Double = 0, userFeatures: SideFeatures? = nil, itemFeatures: SideFeatures? = nil) {
        self.config = config
        embedding = Initializer.normal(std: config.initStd).make([config.vocabulary, config.factors])
        firstOrder = Tensor.zeros([config.vocabulary], requiresGrad: true)
        bias = Tensor([config.target == .rating ? Float(globalMean) : 0], requiresGrad: true)
        var layers: [Module] = []
        var width = config.fieldCount * config.factors
        for h in config.hidden {
            layers += [Linear(width, h), ReLU()] + (config.dropout > 0 ? [Dropout(config.dropout)] : [])
            width = h
        }
        let last = Linear(width, 1, initializer: .normal(std: 0.01))
        last.bias!.assign(Tensor.zeros([1]))
        mlp = Sequential(layers + [last])
        // Attribute rows start after the user and item ids, field after field.
        var offset = config.users + config.items
        func attributes(_ sizes: [Int], _ features: SideFeatures?, entities: Int) -> Tensor? {
            guard !sizes.isEmpty else { return nil }
            if let features { ensure(features.fieldSizes == sizes, "DeepFM: attribute field sizes \(features.fieldSizes) differ from the config's \(sizes)") }
            var rows = [Int32](repeating: 0, count: entities * sizes.count)
            for e in 0..<entities {
                var start = offset
                for (f, size) in sizes.enumerated() {
                    rows[e * sizes.count + f] = Int32(start) + (features?.values[e][f] ?? 0)
                    start += size
                }
            }
            offset += sizes.reduce(0, +)
            return Tensor(rows, shape: [entities, sizes.count])
        }
        userAttributes = attributes(config.userFieldSizes, userFeatures, entities: config.users)
        itemAttributes = attributes(config.itemFieldSizes, itemFeatures, entities: config.items)
    }

    /// Each sample's rows of the embedding table, field by field: `[B · fields]`.
    func fieldRows(users: [Int32], items: [Int32]) -> [Int32] {
        let fu = config.userFieldSizes.count, fi = config.itemFieldSizes.count
        var rows: [Int32] = []
        rows.reserveCapacity(users.count * config.fieldCount)
        let itemOffset = Int32(config.users)
        // The attribute tables are small ([entities, fields] int32): one copy each per batch.
        let userRows = userAttributes?.toArray(as: Int32.self), itemRows = itemAttributes?.toArray(as: Int32.self)
        for (u, i) in zip(users, items) {
            rows.append(u)
            rows.append(itemOffset + i)
            if let a = userRows { rows.append(contentsOf: a[Int(u) * fu..<(Int(u) + 1) * fu]) }
            if let a = itemRows { rows.append(contentsOf: a[Int(i) * fi..<(Int(i) + 1) * fi]) }
        }
        return rows
    }

    /// The output y (a rating, or the click logit) for the pairs `(users[b], items[b])`: `[B]`.
    public func callAsFunction(users: [Int32], items: [Int32]) -> Tensor {
        logits(rows: fieldRows(users: users, items: items), batch: users.count)
    }

    func logits(rows: [Int32], batch: Int) -> Tensor {
        let f = config.fieldCount, k = config.factors
        let ids = Tensor(rows)
        let v = embedding[indices: ids].reshaped([batch, f, k])          // [B, F, k]
        let linear = firstOrder[indices: ids].reshaped([batch, f]).sum(axis: 1)   // [B]
        let summed = v.sum(axis: 1)                                       // [B, k]
        let pairwise = (summed.square() - v.square().sum(axis: 1)).sum(axis: 1) * 0.5   // [B]
        let deep = mlp(v.reshaped([batch, f * k])).reshaped([batch])     // [B]
        return bias + linear + pairwise + deep
    }
}

extension DeepFM: Recommender {
    public var kind: RecommenderKind { .deepFM }
    public var userCount: Int { config.users }
    public var itemCount: Int { config.items }

    /// Predicted ratings, or click probabilities for a click model, in evaluation mode (no
    /// dropout) through ``inference(_:)``: the model's training flag is not touched, so a server
    /// can score while another thread trains or scores.
    public func predictions(users: [Int32], items: [Int32]) -> [Float] {
        inference {
            var out: [Float] = []
            out.reserveCapacity(users.count)
            var start = 0
            while start < users.count {   // in chunks, to bound memory when scoring every item
                let end = Swift.min(users.count, start + 4096)
                let y = self(users: Array(users[start..<end]), items: Array(items[start..<end]))
                out += (config.target == .click ? y.sigmoid() : y).floats
                start = end
            }
            return out
        }
    }

    public func configJSON() throws -> String { try encodeJSON(config) }
}

extension DeepFM {
    /// Checks that every attribute row loaded into the buffers (from a checkpoint, say) points into
    /// its own field's block of the embedding table; a damaged value would index outside it.
    ///
    /// ```swift
    /// try model.loadStateDict(tensors)
    /// try model.checkAttributeRows(source: "model.safetensors")
    /// ```
    public func checkAttributeRows(source: String) throws {
        var offset = config.users + config.items
        for (name, sizes, buffer) in [("user", config.userFieldSizes, userAttributes), ("item", config.itemFieldSizes, itemAttributes)] {
            guard let buffer else { continue }
            let starts = sizes.indices.map { offset + sizes[..<$0].reduce(0, +) }
            for (k, row) in buffer.toArray(as: Int32.self).enumerated() {
                let field = k % sizes.count
                guard Int(row) >= starts[field] && Int(row) < starts[field] + sizes[field] else {
                    throw RecommenderError("\(source): \(name) attribute \(k / sizes.count), field \(field) points to embedding row \(row), outside its field's rows \(starts[field])..<\(starts[field] + sizes[field])")
                }
            }
            offset += sizes.reduce(0, +)
        }
    }
}
