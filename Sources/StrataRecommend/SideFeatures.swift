import Foundation
import StrataIO

/// Categorical attributes of users or items (DeepFM's extra fields), read from a delimited
/// file: `id,field1,field2,...`, one row per user or item, with an optional header naming the
/// fields (MovieLens `u.user`, `1|24|M|technician|85711`, reads as four fields). Every value is
/// treated as a category; index 0 of each field stands for "unknown" (ids without a row).
///
/// ```swift
/// let genders = try SideFeatures.read(path: "ml-100k/u.user", ids: table.users)
/// genders.fieldNames   // ["field1", "field2", "field3", "field4"]
/// ```
public struct SideFeatures: Sendable, Equatable {
    public var fieldNames: [String]
    /// Categories per field, counting the "unknown" category 0.
    public var fieldSizes: [Int]
    /// `values[entity][field]`: the category of each id of the id map (0 when it has no row).
    public var values: [[Int32]]
    /// Rows that were skipped (wrong number of fields, ids unknown to the ratings).
    public var skipped: [SkippedRow] = []

    public init(fieldNames: [String], fieldSizes: [Int], values: [[Int32]]) {
        self.fieldNames = fieldNames; self.fieldSizes = fieldSizes; self.values = values
    }

    /// Reads attributes for the ids of `ids`; see the type's description.
    public static func read(path: String, ids: IDMap) throws -> SideFeatures {
        let data = try FileError.readFile(path)
        return try parse(String(decoding: data, as: UTF8.self), path: path, ids: ids)
    }

    /// Parses attribute text; `path` only names the source in messages.
    public static func parse(_ text: String, path: String = "<memory>", ids: IDMap) throws -> SideFeatures {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
            .map { (number: $0.offset + 1, text: $0.element) }
            .filter { !$0.text.allSatisfy(\.isWhitespace) }
        guard let first = lines.first else { throw FileError(path: path, message: "the file is empty") }
        let splitter = RowSplitter(format: .csv, firstLine: first.text)
        let header = splitter.fields(first.text).map { $0.trimmingCharacters(in: .whitespaces) }
        guard header.count >= 2 else { throw FileError(path: path, message: "expected an id and at least one attribute per row") }
        let hasHeader = ids.index(of: header[0]) == nil
        if hasHeader { lines.removeFirst() }
        let fieldCount = header.count - 1
        var features = SideFeatures(fieldNames: hasHeader ? Array(header.dropFirst()) : (1...fieldCount).map { "field\($0)" },
                                    fieldSizes: [Int](repeating: 1, count: fieldCount),
                                    values: [[Int32]](repeating: [Int32](repeating: 0, count: fieldCount), count: ids.count))
        var categories = [[String: Int32]](repeating: [:], count: fieldCount)
        for line in lines {
            let fields = splitter.fields(line.text).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == fieldCount + 1 else {
                features.skipped.append(SkippedRow(path: path, line: line.number, reason: "expected \(fieldCount + 1) fields, found \(fields.count)"))
                continue
            }
            guard let entity = ids.index(of: fields[0]) else {
                features.skipped.append(SkippedRow(path: path, line: line.number, reason: "id '\(fields[0])' does not occur in the ratings"))
                continue
            }
            for f in 0..<fieldCount {
                let value = fields[f + 1]
                let category = categories[f][value] ?? Int32(categories[f].count + 1)
                categories[f][value] = category
                features.values[entity][f] = category
            }
        }
        features.fieldSizes = categories.map { $0.count + 1 }
        guard categories.contains(where: { !$0.isEmpty }) else {
            let hint = features.skipped.first.map { " (first problem: line \($0.line): \($0.reason))" } ?? ""
            throw FileError(path: path, message: "no valid attribute rows\(hint)")
        }
        return features
    }
}
