import Foundation
import StrataIO

/// The layouts of rating files that `RatingTable.read` understands.
public enum RatingFormat: String, Sendable, CaseIterable {
    /// MovieLens 100K `u.data`: `user<TAB>item<TAB>rating<TAB>timestamp`, no header
    /// (the `::` separator of MovieLens 1M `ratings.dat` is read too).
    case movieLens = "movielens"
    /// Delimited text (`,`, tab, `;` or `|`, detected): `user,item[,rating][,timestamp]`,
    /// with or without a header line (MovieLens `ratings.csv` is one of these).
    case csv
}


extension FileError {
    /// The bytes of `path` through `FileBytes` (regular file, at most 4 GiB); failures name the file.
    static func readFile(_ path: String) throws -> [UInt8] {
        do { return try FileBytes.read(path: path, maxBytes: 1 << 32) } catch let error as FileBytes.ReadError {
            throw FileError(path: path, message: error.message)
        }
    }
}

extension RatingTable {
    /// Reads a ratings file; ids of any string form become dense indices in order of
    /// appearance. Rows that cannot be read are skipped and listed in `skipped` with their
    /// line numbers; a file with no valid row throws `FileError`.
    ///
    /// ```swift
    /// let table = try RatingTable.read(path: "ml-100k/u.data")   // format from the name
    /// for row in table.skipped { print("skipped \(row)") }
    /// ```
    public static func read(path: String, format: RatingFormat? = nil) throws -> RatingTable {
        let data = try FileError.readFile(path)
        return try parse(String(decoding: data, as: UTF8.self), path: path, format: format ?? guessFormat(path: path))
    }

    /// The format a file's name suggests: MovieLens for `.data`/`.dat` files, else delimited.
    public static func guessFormat(path: String) -> RatingFormat {
        path.hasSuffix(".data") || path.hasSuffix(".dat") ? .movieLens : .csv
    }

    /// Parses ratings text (see `read(path:format:)`); `path` only names the source in messages.
    ///
    /// ```swift
    /// let table = try RatingTable.parse("user,item,rating\nu1,i1,4\n", format: .csv)
    /// ```
    public static func parse(_ text: String, path: String = "<memory>", format: RatingFormat) throws -> RatingTable {
        var table = RatingTable(users: IDMap(), items: IDMap(), ratings: [])
        // `isNewline` also matches "\r\n", which Swift treats as a single character.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated()
            .map { (number: $0.offset + 1, text: $0.element) }
            .filter { !$0.text.allSatisfy(\.isWhitespace) }
        guard let first = lines.first else { throw FileError(path: path, message: "the file is empty") }
        let splitter = RowSplitter(format: format, firstLine: first.text)
        if format == .csv, splitter.isHeader(first.text) { lines.removeFirst() }
        // Whether the file has a rating column: decided by the first row that has a second field.
        let hasRating = lines.first.map { splitter.fields($0.text).count >= 3 } ?? false
        for line in lines {
            let fields = splitter.fields(line.text)
            func skip(_ reason: String) { table.skipped.append(SkippedRow(path: path, line: line.number, reason: reason)) }
            guard fields.count >= (hasRating ? 3 : 2) else {
                skip("expected \(hasRating ? "user, item and rating" : "user and item"), found \(fields.count) field\(fields.count == 1 ? "" : "s")")
                continue
            }
            let user = fields[0].trimmingCharacters(in: .whitespaces), item = fields[1].trimmingCharacters(in: .whitespaces)
            guard !user.isEmpty, !item.isEmpty else { skip("empty \(user.isEmpty ? "user" : "item") id"); continue }
            var value: Float = 1
            if hasRating {
                let text = fields[2].trimmingCharacters(in: .whitespaces)
                guard let v = Float(text), v.isFinite else { skip("rating '\(text)' is not a number"); continue }
                value = v
            }
            var timestamp: Int64?
            if hasRating, fields.count >= 4 {
                let text = fields[3].trimmingCharacters(in: .whitespaces)
                guard let t = Int64(text) ?? Double(text).flatMap({ $0.isFinite ? Int64(exactly: $0.rounded()) : nil }) else {
                    skip("timestamp '\(text)' is not a number"); continue
                }
                timestamp = t
            }
            let u = table.users.insert(user), i = table.items.insert(item)
            table.ratings.append(Rating(user: Int32(u), item: Int32(i), value: value, timestamp: timestamp))
        }
        guard !table.ratings.isEmpty else {
            let hint = table.skipped.first.map { " (first problem: line \($0.line): \($0.reason))" } ?? ""
            throw FileError(path: path, message: "no valid rating rows\(hint)")
        }
        // A file where most rows fail is not a ratings file that has a few bad rows.
        guard table.skipped.count <= table.ratings.count else {
            let first = table.skipped[0]
            throw FileError(path: path, message: "\(table.skipped.count) of \(table.skipped.count + table.ratings.count) rows cannot be read "
                                  + "(first problem: line \(first.line): \(first.reason)); is this a ratings file?")
        }
        return table
    }
}

/// Splits one line of a ratings file into fields.
struct RowSplitter {
    let format: RatingFormat
    let delimiter: String

    init(format: RatingFormat, firstLine: Substring) {
        self.format = format
        if format == .movieLens {
            delimiter = firstLine.contains("::") ? "::" : "\t"
        } else {
            // The candidate that splits the first line into the most fields.
            delimiter = [",", "\t", ";", "|"].max { firstLine.components(separatedBy: $0).count < firstLine.components(separatedBy: $1).count } ?? ","
        }
    }

    func fields(_ line: Substring) -> [String] {
        if format == .movieLens && delimiter == "\t" {
            // u.data is tab-separated; tolerate runs of spaces as well.
            return line.split(whereSeparator: { $0 == "\t" || $0 == " " }).map(String.init)
        }
        return line.components(separatedBy: delimiter)
    }

    /// A header names its columns: its third field is not a number, or its first two
    /// fields use the usual column names (userId, item_id, movieId, ...).
    func isHeader(_ line: Substring) -> Bool {
        let f = fields(line).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if f.count >= 3, Float(f[2]) == nil { return true }
        let names = ["user", "item", "movie"]
        return f.prefix(2).allSatisfy { field in names.contains { field.contains($0) } }
    }
}
