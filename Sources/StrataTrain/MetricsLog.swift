import Foundation
import StrataIO

/// Appends one row of metrics per epoch (or step) to a CSV or JSON-lines file.
///
/// The format comes from the extension: `.csv` or `.jsonl`. Every row is
/// handed to the operating system as soon as it is logged, so a run that
/// crashes keeps every row it logged.
///
/// In a CSV file the first row fixes the columns (in the order given); later
/// rows fill missing columns with an empty cell and drop keys that are not
/// columns. A JSON-lines file holds one compact object per line, keys in the
/// order given, non-finite numbers as `null`.
///
/// ```swift
/// let log = try MetricsLog(path: "runs/mnist/history.csv")
/// for epoch in 1...5 {
///     // ... train ...
///     try log.log(epoch: epoch, metrics: [("loss", 0.31), ("accuracy", 0.91), ("val_loss", 0.29)])
/// }
/// try MetricsLog.writeResult(["test_accuracy": 0.9812, "epochs": 5], to: "runs/mnist/result.json")
/// ```
public final class MetricsLog {
    /// The file formats a ``MetricsLog`` can write.
    ///
    /// ```swift
    /// let format = try MetricsLog.Format(path: "history.jsonl")  // .jsonLines
    /// ```
    public enum Format: Sendable, Equatable {
        /// Comma-separated values with a header line (RFC 4180 quoting).
        case csv
        /// One JSON object per line.
        case jsonLines

        /// Picks the format from a path's extension: `.csv`, or `.jsonl` / `.ndjson`.
        ///
        /// ```swift
        /// let format = try MetricsLog.Format(path: "log.csv")  // .csv
        /// ```
        public init(path: String) throws {
            switch URL(fileURLWithPath: path).pathExtension.lowercased() {
            case "csv": self = .csv
            case "jsonl", "ndjson": self = .jsonLines
            default:
                throw FileError(path: path, found: "cannot tell the format from the extension",
                                expected: ".csv or .jsonl")
            }
        }
    }

    /// The file being written.
    public let path: String
    /// The file's format.
    public let format: Format
    /// The CSV columns, fixed by the first row (or read from the header of
    /// the file being appended to); empty before the first CSV row and for JSON lines.
    public private(set) var columns: [String] = []
    /// Rows logged through this object.
    public private(set) var rowCount = 0

    private var file: AppendingFile?

    /// Opens (creating it and its folders when missing) a metrics file.
    ///
    /// - Parameters:
    ///   - path: the file; its extension picks the format unless `format` is given.
    ///   - format: overrides the extension.
    ///   - append: keep existing rows and add after them (a resumed run);
    ///     a CSV file's existing header then fixes the columns. By default the
    ///     file is started afresh.
    ///
    /// ```swift
    /// let log = try MetricsLog(path: "history.jsonl")
    /// let resumed = try MetricsLog(path: "history.csv", append: true)
    /// ```
    public init(path: String, format: Format? = nil, append: Bool = false) throws {
        self.path = path
        self.format = try format ?? Format(path: path)
        if append, self.format == .csv, let existing = FileManager.default.contents(atPath: path),
           let text = String(data: existing, encoding: .utf8),
           let header = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first,
           !header.isEmpty {
            columns = Self.parseCSVLine(String(header))
        }
        file = try AppendingFile(path: path, truncate: !append)
    }

    deinit { close() }

    /// Logs one row with its fields in the given order.
    ///
    /// ```swift
    /// try log.log([("epoch", 3), ("loss", 0.2345), ("lr", 0.001), ("note", "warmup done")])
    /// ```
    public func log(_ row: [(String, JSONValue)]) throws {
        switch format {
        case .csv: try logCSV(row)
        case .jsonLines: try write(Self.jsonLine(row))
        }
        rowCount += 1
    }

    /// Logs one row from a dictionary: keys sorted, except that `epoch` and
    /// `step` come first.
    ///
    /// ```swift
    /// try log.log(["epoch": 1, "val_loss": 0.31, "loss": 0.35])  // epoch, loss, val_loss
    /// ```
    public func log(_ row: [String: JSONValue]) throws {
        let leading = ["epoch", "step"].filter { row[$0] != nil }
        let rest = row.keys.filter { !leading.contains($0) }.sorted()
        try log((leading + rest).map { ($0, row[$0]!) })
    }

    /// Logs an epoch number followed by metric values, in order.
    ///
    /// ```swift
    /// try log.log(epoch: 2, metrics: [("loss", 0.31), ("val_loss", 0.29)])
    /// ```
    public func log(epoch: Int, metrics: [(String, Double)]) throws {
        try log([("epoch", .int(epoch))] + metrics.map { ($0.0, .double($0.1)) })
    }

    /// Closes the file; later rows are ignored. Called on deinit too.
    ///
    /// ```swift
    /// log.close()
    /// ```
    public func close() {
        file?.close()
        file = nil
    }

    /// Writes a final result object to `path` atomically, pretty-printed with
    /// sorted keys; non-finite numbers become `null`.
    ///
    /// ```swift
    /// try MetricsLog.writeResult(["test_loss": 0.071, "test_accuracy": 0.9788,
    ///                             "model": "mlp", "parameters": 109_386], to: "result.json")
    /// ```
    public static func writeResult(_ result: [String: JSONValue], to path: String) throws {
        try JSONValue.object(result).write(to: path)
    }

    // MARK: - Formats

    private func logCSV(_ row: [(String, JSONValue)]) throws {
        var text = ""
        if columns.isEmpty {
            var seen = Set<String>()
            columns = row.map(\.0).filter { seen.insert($0).inserted }
            text += columns.map(Self.csvField).joined(separator: ",") + "\n"
        }
        var values: [String: JSONValue] = [:]
        for (key, value) in row { values[key] = value }
        text += columns.map { Self.csvCell(values[$0]) }.joined(separator: ",") + "\n"
        try write(text)
    }

    private func write(_ text: String) throws {
        try file?.append(text)
    }

    static func jsonLine(_ row: [(String, JSONValue)]) -> String {
        var text = "{"
        for (index, (key, value)) in row.enumerated() {
            if index > 0 { text += "," }
            text += JSONValue.quoted(key) + ":" + value.jsonString(pretty: false)
        }
        return text + "}\n"
    }

    static func csvCell(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return ""
        case .bool(let flag)?: return flag ? "true" : "false"
        case .int(let number)?: return String(number)
        case .double(let number)?:
            if number.isNaN { return "nan" }
            if number.isInfinite { return number < 0 ? "-inf" : "inf" }
            return "\(number)"
        case .string(let string)?: return csvField(string)
        case let nested?: return csvField(nested.jsonString(pretty: false))
        }
    }

    /// Quotes a field when it holds a comma, a quote or a line break.
    static func csvField(_ string: String) -> String {
        guard string.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return string }
        return "\"" + string.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Splits one CSV line into fields, undoing the quoting of ``csvField(_:)``.
    static func parseCSVLine(_ line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var characters = line.trimmingCharacters(in: CharacterSet(charactersIn: "\r")).makeIterator()
        while let character = characters.next() {
            if quoted {
                if character == "\"" {
                    // A doubled quote is a literal quote; a single one ends the quoted part.
                    var lookahead = characters
                    if lookahead.next() == "\"" { field.append("\""); characters = lookahead } else { quoted = false }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
        }
        fields.append(field)
        return fields
    }
}
