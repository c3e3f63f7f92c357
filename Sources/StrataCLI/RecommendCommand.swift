import ArgumentParser
import Foundation
import Strata

/// `strata recommend`: a user's best items from a `strata train recommender` checkpoint,
/// leaving out the items the user already rated.
struct RecommendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend", abstract: "Print a user's top items (not already rated) from a recommender checkpoint.")

    @Option(help: "A directory written by 'strata train recommender'.") var checkpoint: String
    @Option(help: "The user's id, as in the ratings file.") var user: String
    @Option(help: "How many items.") var top = 10

    func validate() throws { try OptionCheck.int(top, "--top", in: 1...100_000) }

    func run() throws {
        let loaded = try RecommenderCommandSupport.load(checkpoint)
        let items = try RecommenderCommandSupport.userFacing { try loaded.recommend(user: user, count: Swift.max(top, 0)) }
        let scoreName = loaded.predictsRatings ? "predicted rating, unclipped" : "score"
        print("Top \(items.count) items for user \(user) (\(loaded.model.kind.rawValue), \(scoreName)):")
        let width = items.map(\.item.count).max() ?? 0
        for (rank, entry) in items.enumerated() {
            print(String(format: "%3d. %@  %.4f", rank + 1, entry.item.padding(toLength: width, withPad: " ", startingAt: 0), entry.score))
        }
    }
}

/// `strata predict-rating`: the model's rating (or score) for one user-item pair.
struct PredictRatingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict-rating", abstract: "Print the predicted rating of an item by a user from a recommender checkpoint.")

    @Option(help: "A directory written by 'strata train recommender'.") var checkpoint: String
    @Option(help: "The user's id.") var user: String
    @Option(help: "The item's id.") var item: String

    func run() throws {
        let loaded = try RecommenderCommandSupport.load(checkpoint)
        let score = try RecommenderCommandSupport.userFacing { try loaded.predict(user: user, item: item) }
        let what = loaded.predictsRatings ? "predicted rating" : (loaded.model.kind == .deepFM ? "click probability" : "ranking score")
        print(String(format: "%@ for user %@, item %@: %.4f", what, user, item, score))
    }
}

enum RecommenderCommandSupport {
    /// Loads a checkpoint, turning its errors into one-line user errors.
    static func load(_ directory: String) throws -> RecommenderCheckpoint {
        try userFacing { try RecommenderCheckpoint(directory: directory) }
    }

    static func userFacing<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as RecommenderError {
            throw UserFacingError(error.description)
        } catch let error as FileError {
            throw UserFacingError(error.description)
        }
    }
}
