import Foundation
import StrataCore

/// Seeded synthetic interaction data with known structure, for tests, benchmarks and tuning
/// when no real data set is at hand. Ids are the strings "1", "2", ... as in MovieLens.
///
/// ```swift
/// let table = SyntheticRatings.movieLensShaped(seed: 1)   // 943 users, 1682 items, 100,000 ratings
/// ```
public enum SyntheticRatings {
    /// Ratings from a biased low-rank model: `mean + b_u + b_i + p_u·q_i + noise`, with
    /// b_u ~ N(0, 0.4²), b_i ~ N(0, 0.5²), factor entries scaled so that p_u·q_i has standard
    /// deviation `signal`, and Gaussian `noise`; rounded to whole stars in 1...5 when `rounded`.
    /// Every user rates at least `minPerUser` items; user activity is log-normal and item
    /// popularity long-tailed (Zipf-like), as in MovieLens.
    public static func lowRank(users: Int, items: Int, count: Int, rank: Int = 8, mean: Double = 3.5,
                               signal: Double = 0.6, noise: Double = 0.8, rounded: Bool = true,
                               minPerUser: Int = 20, seed: UInt64) -> RatingTable {
        ensure(count <= users * items && minPerUser * users <= count && minPerUser <= items,
                     "SyntheticRatings: \(count) ratings do not fit \(users) users x \(items) items with \(minPerUser) per user")
        var rng = RandomGenerator(seed: seed)
        let scale = (signal / Double(rank).squareRoot()).squareRoot()
        let p = (0..<users * rank).map { _ in scale * rng.nextNormal() }
        let q = (0..<items * rank).map { _ in scale * rng.nextNormal() }
        let bu = (0..<users).map { _ in 0.4 * rng.nextNormal() }
        let bi = (0..<items).map { _ in 0.5 * rng.nextNormal() }
        let pairs = samplePairs(users: users, items: items, count: count, minPerUser: minPerUser, rng: &rng)
        var ratings: [Rating] = []
        ratings.reserveCapacity(count)
        for (n, (u, i)) in pairs.enumerated() {
            var v = mean + bu[u] + bi[i] + noise * rng.nextNormal()
            for f in 0..<rank { v += p[u * rank + f] * q[i * rank + f] }
            if rounded { v = Swift.min(5, Swift.max(1, v.rounded())) }
            ratings.append(Rating(user: Int32(u), item: Int32(i), value: Float(v), timestamp: Int64(880_000_000 + n)))
        }
        return RatingTable(users: IDMap((1...users).map(String.init)), items: IDMap((1...items).map(String.init)), ratings: ratings)
    }

    /// The shape of MovieLens 100K: 943 users, 1,682 items, 100,000 ratings of 1-5 stars.
    public static func movieLensShaped(seed: UInt64 = 1) -> RatingTable {
        lowRank(users: 943, items: 1682, count: 100_000, seed: seed)
    }

    /// Implicit feedback with `clusters` communities: users and items are split evenly among
    /// them, and each user interacts with `perUser` distinct items, a share `inCluster` of them
    /// from its own community and the rest at random. Ratings are 1.
    public static func clustered(users: Int, items: Int, clusters: Int, perUser: Int, inCluster: Double = 0.9,
                                 seed: UInt64) -> RatingTable {
        ensure(clusters >= 1 && perUser <= items / clusters, "SyntheticRatings.clustered: \(perUser) items per user exceed a cluster of \(items / clusters)")
        var rng = RandomGenerator(seed: seed)
        let clusterSize = items / clusters
        var ratings: [Rating] = []
        for u in 0..<users {
            let c = u % clusters
            var chosen = Set<Int>()
            while chosen.count < perUser {
                let i = rng.nextUniform() < inCluster ? c * clusterSize + rng.nextInt(below: clusterSize) : rng.nextInt(below: items)
                if chosen.insert(i).inserted {
                    ratings.append(Rating(user: Int32(u), item: Int32(i), value: 1, timestamp: Int64(ratings.count)))
                }
            }
        }
        return RatingTable(users: IDMap((1...users).map(String.init)), items: IDMap((1...items).map(String.init)), ratings: ratings)
    }

    /// Distinct (user, item) pairs in random order: log-normal user activity above
    /// `minPerUser`, items drawn with probability ∝ 1 / (rank + 10).
    static func samplePairs(users: Int, items: Int, count: Int, minPerUser: Int, rng: inout RandomGenerator) -> [(Int, Int)] {
        let activity = (0..<users).map { _ in Foundation.exp(rng.nextNormal()) }
        let total = activity.reduce(0, +), spare = Double(count - minPerUser * users)
        var perUser = activity.map { Swift.min(items, minPerUser + Int(spare * $0 / total)) }
        var missing = count - perUser.reduce(0, +)
        while missing > 0 {
            let u = rng.nextInt(below: users)
            if perUser[u] < items { perUser[u] += 1; missing -= 1 }
        }
        var popularity = (0..<items).map { 1 / Double($0 + 10) }
        popularity.shuffle(using: &rng)
        var cumulative = [Double](repeating: 0, count: items), running = 0.0
        for i in 0..<items { running += popularity[i]; cumulative[i] = running }
        var pairs: [(Int, Int)] = []
        pairs.reserveCapacity(count)
        for u in 0..<users {
            var chosen = Set<Int>()
            while chosen.count < perUser[u] {
                // Popularity draws, falling back to uniform ones for users who rate most items.
                let i = chosen.count < items / 2 ? draw(cumulative, &rng) : rng.nextInt(below: items)
                if chosen.insert(i).inserted { pairs.append((u, i)) }
            }
        }
        pairs.shuffle(using: &rng)
        return pairs
    }

    private static func draw(_ cumulative: [Double], _ rng: inout RandomGenerator) -> Int {
        let x = rng.nextUniform() * cumulative[cumulative.count - 1]
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
