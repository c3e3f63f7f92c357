import Foundation
import StrataCore
import StrataNN

/// Biased matrix factorisation (Koren, Bell & Volinsky 2009; "SVD" in the Surprise library):
/// `r̂(u, i) = μ + b_u + b_i + p_u · q_i`, with μ the training mean, user and item biases,
/// and `factors`-dimensional user and item vectors.
///
/// ```swift
/// let mf = MatrixFactorization(.init(users: 943, items: 1682, factors: 64), globalMean: 3.53)
/// let predicted = mf(users: [0, 1], items: [10, 20])   // [2]
/// ```
public final class MatrixFactorization: Module {
    public struct Config: Codable, Equatable, Sendable {
        public var users: Int
        public var items: Int
        public var factors: Int
        /// Standard deviation of the initial factors (biases start at zero).
        public var initStd: Double

        public init(users: Int, items: Int, factors: Int = 64, initStd: Double = 0.1) {
            self.users = users; self.items = items; self.factors = factors; self.initStd = initStd
        }
    }

    public let config: Config
    /// `[users, factors]`
    public let userFactors: Tensor
    /// `[items, factors]`
    public let itemFactors: Tensor
    /// `[users]`
    public let userBias: Tensor
    /// `[items]`
    public let itemBias: Tensor
    /// μ, a one-element buffer (saved with the parameters, not trained).
    public let globalMean: Tensor

    /// A model with factors drawn N(0, initStd²) from the global generator (see `Tensor.manualSeed`).
    public init(_ config: Config, globalMean: Double = 0) {
        self.config = config
        userFactors = Initializer.normal(std: config.initStd).make([config.users, config.factors])
        itemFactors = Initializer.normal(std: config.initStd).make([config.items, config.factors])
        userBias = Tensor.zeros([config.users], requiresGrad: true)
        itemBias = Tensor.zeros([config.items], requiresGrad: true)
        self.globalMean = Tensor([Float(globalMean)])
    }

    /// Predicted ratings for the pairs `(users[b], items[b])` (one fused differentiable op).
    public func callAsFunction(users: [Int32], items: [Int32]) -> Tensor {
        Tensor.factorizationScores(users: users, items: items, userFactors: userFactors, itemFactors: itemFactors,
                                   userBias: userBias, itemBias: itemBias, offset: globalMean.item())
    }

    /// The L2 penalty of the rows a batch touches: Σ_b |p_u|² + |q_i|² + b_u² + b_i²
    /// (per-sample regularisation, as in SGD per rating).
    public func penalty(users: [Int32], items: [Int32]) -> Tensor {
        userFactors.squaredNormOfRows(users) + itemFactors.squaredNormOfRows(items)
            + userBias.squaredNormOfRows(users) + itemBias.squaredNormOfRows(items)
    }
}
