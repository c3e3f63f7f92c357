import StrataCore

/// Bayesian personalised ranking loss (Rendle et al. 2009): the mean over pairs of
/// `-log σ(positive - negative)`, computed stably as `softplus(negative - positive)`.
///
/// ```swift
/// let loss = bprLoss(positive: (u * i).sum(axis: 1), negative: (u * j).sum(axis: 1))
/// ```
public func bprLoss(positive: Tensor, negative: Tensor) -> Tensor {
    ensure(positive.shape == negative.shape, "bprLoss: positive \(positive.shape) and negative \(negative.shape) scores differ in shape")
    return (negative - positive).softplus().mean()
}

/// Draws items a user has not interacted with, uniformly (BPR's negative sampling).
///
/// ```swift
/// var sampler = NegativeSampler(train, seed: 1)
/// let j = sampler.sample(forUser: 0)
/// ```
public struct NegativeSampler {
    private let seen: [Set<Int32>]
    private let items: Int
    private var rng: RandomGenerator

    public init(_ train: RatingTable, seed: UInt64) {
        seen = train.itemsByUser().map(Set.init)
        items = train.items.count
        rng = RandomGenerator(seed: seed)
    }

    /// An item `user` has not seen (after 100 draws that all hit seen items, any item).
    public mutating func sample(forUser user: Int32) -> Int32 {
        var j = Int32(rng.nextInt(below: items))
        var tries = 1
        while seen[Int(user)].contains(j) && tries < 100 {
            j = Int32(rng.nextInt(below: items))
            tries += 1
        }
        return j
    }

    /// The generator's position (four words), saved with a training checkpoint so that a resumed
    /// run draws the negatives the uninterrupted one would have.
    public var state: [UInt64] {
        get { rng.state }
        set { rng.state = newValue }
    }
}
