import Foundation
import StrataCore
import StrataIO
import StrataNN

/// A trained recommender on disk in the ``ModelDirectory`` layout, with what it needs to speak the
/// user's ids: `DIR/model.safetensors` (parameters, the interactions each user already has, and
/// metadata: model kind, configuration, rating range; also in `DIR/config.json`) and
/// `DIR/ids.json` (the user and item id maps).
/// Both files are written atomically.
///
/// ```swift
/// try RecommenderCheckpoint.save(model, data: table, to: "runs/mf")
/// let checkpoint = try RecommenderCheckpoint(directory: "runs/mf")
/// for (item, score) in try checkpoint.recommend(user: "196", count: 10) { print(item, score) }
/// ```
public struct RecommenderCheckpoint {
    public let model: Recommender
    public let users: IDMap
    public let items: IDMap
    /// The items each user interacted with (by user index), left out of recommendations.
    public let seen: [[Int32]]
    /// The rating scale predictions are clipped to (rating models).
    public let ratingRange: ClosedRange<Float>
    public let directory: String

    static let modelFile = ModelDirectory.weightsFile, idsFile = "ids.json"
    static let seenStartKey = "interactions.user_start", seenItemsKey = "interactions.items"

    /// Writes `model` with the id maps of `data` and its interactions as the "already seen" items.
    public static func save(_ model: Recommender, data: RatingTable, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let seen = data.itemsByUser()
        var starts: [Int64] = [0]
        for row in seen { starts.append(starts.last! + Int64(row.count)) }
        var tensors = model.stateDict()
        tensors[seenStartKey] = Tensor(starts)
        tensors[seenItemsKey] = Tensor(seen.flatMap { $0 } + [0])   // one spare entry: never an empty tensor
        let range = data.ratingRange
        try ModelDirectory.write(tensors, kind: model.kind.rawValue, config: try model.configJSON(),
                                 metadata: ["rating_min": String(range.lowerBound), "rating_max": String(range.upperBound)], to: directory)
        let ids: JSONValue = ["users": .array(data.users.ids.map(JSONValue.string)), "items": .array(data.items.ids.map(JSONValue.string))]
        try AtomicFile.write(ids.jsonString(pretty: false), to: "\(directory)/\(idsFile)")
    }

    /// Loads a checkpoint written by `save`; throws `RecommenderError` naming the file when a
    /// part is missing or does not fit.
    public init(directory: String) throws {
        self.directory = directory
        let modelPath = "\(directory)/\(Self.modelFile)", idsPath = "\(directory)/\(Self.idsFile)"
        for path in [modelPath, idsPath] where !FileManager.default.fileExists(atPath: path) {
            throw RecommenderError("\(path): no such file (is \(directory) a directory written by 'strata train recommender'?)")
        }
        let (tensors, metadata) = try SafeTensors.load(path: modelPath)
        let header = try ModelDirectory.header(path: modelPath, metadata: metadata)
        guard let kind = RecommenderKind(rawValue: header.kind), let config = header.config else {
            throw RecommenderError("\(modelPath): not a Strata recommender checkpoint (metadata 'kind' is '\(header.kind)', expected mf, deepfm or lightgcn, with a 'config')")
        }
        let what = "\(modelPath): metadata 'config'"
        let storedValues = tensors.values.reduce(0) { $0 + $1.count }
        let model: Recommender
        switch kind {
        case .matrixFactorization:
            let decoded = try decodeJSON(MatrixFactorization.Config.self, from: config, what: what)
            try decoded.validate(source: modelPath)
            try ConfigCheck(source: modelPath).parameters(decoded.parameterEstimate, storedValues: storedValues, key: "config")
            model = MatrixFactorization(decoded)
        case .deepFM:
            let decoded = try decodeJSON(DeepFM.Config.self, from: config, what: what)
            try decoded.validate(source: modelPath)
            try ConfigCheck(source: modelPath).parameters(decoded.parameterEstimate, storedValues: storedValues, key: "config")
            model = DeepFM(decoded)
        case .lightGCN:
            let decoded = try decodeJSON(LightGCN.Config.self, from: config, what: what)
            try decoded.validate(source: modelPath)
            try ConfigCheck(source: modelPath).parameters(decoded.parameterEstimate, storedValues: storedValues, key: "config")
            model = LightGCN(decoded)
        }
        var state = tensors
        for (key, dtype) in [(Self.seenStartKey, DType.int64), (Self.seenItemsKey, .int32)] {
            if let found = state[key]?.dtype, found != dtype {
                throw RecommenderError("\(modelPath): tensor '\(key)' has dtype \(found), expected \(dtype)")
            }
        }
        guard let starts = state.removeValue(forKey: Self.seenStartKey)?.toArray(as: Int64.self),
              let seenItems = state.removeValue(forKey: Self.seenItemsKey)?.toArray(as: Int32.self),
              starts.count == model.userCount + 1, starts.first == 0, starts.last.map({ Int($0) == seenItems.count - 1 }) == true,
              zip(starts, starts.dropFirst()).allSatisfy({ $0 <= $1 }),
              seenItems.allSatisfy({ $0 >= 0 && Int($0) < model.itemCount }) else {
            throw RecommenderError("\(modelPath): the interaction tensors are missing or do not fit \(model.userCount) users and \(model.itemCount) items (offsets must rise from 0 to the item count)")
        }
        do { try model.loadStateDict(state) } catch { throw RecommenderError("\(modelPath): \(error)") }
        try (model as? DeepFM)?.checkAttributeRows(source: modelPath)
        model.train(false)
        seen = (0..<model.userCount).map { Array(seenItems[Int(starts[$0])..<Int(starts[$0 + 1])]) }

        let userIds: [String], itemIds: [String]
        do {
            let root = try JSONDocument(path: idsPath, maximumBytes: 1 << 30).root
            userIds = try root.member("users").elements().map { try $0.string() }
            itemIds = try root.member("items").elements().map { try $0.string() }
        } catch let error as FileError {
            throw RecommenderError("\(error) (expected a JSON object with string arrays 'users' and 'items')")
        }
        for (name, list) in [("users", userIds), ("items", itemIds)] where Set(list).count != list.count {
            throw RecommenderError("\(idsPath): '\(name)' lists an id twice; every id must be unique")
        }
        guard userIds.count == model.userCount, itemIds.count == model.itemCount else {
            throw RecommenderError("\(idsPath): \(userIds.count) users and \(itemIds.count) items, the model has \(model.userCount) and \(model.itemCount)")
        }
        self.model = model
        users = IDMap(userIds)
        items = IDMap(itemIds)
        let low = metadata["rating_min"].flatMap(Float.init) ?? -.infinity, high = metadata["rating_max"].flatMap(Float.init) ?? .infinity
        ratingRange = low <= high ? low...high : -.infinity ... .infinity
    }

    /// The user index of `id`, or an error that names the checkpoint.
    public func userIndex(_ id: String) throws -> Int {
        guard let u = users.index(of: id) else {
            throw RecommenderError("unknown user '\(id)': the checkpoint in \(directory) knows \(users.count) users (e.g. \(users.ids.prefix(3).joined(separator: ", ")))")
        }
        return u
    }

    /// The item index of `id`, or an error that names the checkpoint.
    public func itemIndex(_ id: String) throws -> Int {
        guard let i = items.index(of: id) else {
            throw RecommenderError("unknown item '\(id)': the checkpoint in \(directory) knows \(items.count) items (e.g. \(items.ids.prefix(3).joined(separator: ", ")))")
        }
        return i
    }

    /// The `count` best items for `user` among those it has not interacted with, best first.
    public func recommend(user: String, count: Int) throws -> [(item: String, score: Float)] {
        let u = try userIndex(user)
        return model.topItems(user: u, count: count, excluding: Set(seen[u])).map { (items.ids[Int($0.item)], $0.score) }
    }

    /// The model's score for one pair: a rating clipped to the training scale for rating models,
    /// a click probability for DeepFM on clicks, a ranking score for LightGCN.
    public func predict(user: String, item: String) throws -> Float {
        let u = try userIndex(user), i = try itemIndex(item)
        let score = model.predictions(users: [Int32(u)], items: [Int32(i)])[0]
        return predictsRatings ? Swift.min(Swift.max(score, ratingRange.lowerBound), ratingRange.upperBound) : score
    }

    /// Whether scores are ratings (MF, DeepFM on ratings) rather than probabilities or ranking scores.
    public var predictsRatings: Bool {
        switch model {
        case is MatrixFactorization: return true
        case let m as DeepFM: return m.config.target == .rating
        default: return false
        }
    }
}
