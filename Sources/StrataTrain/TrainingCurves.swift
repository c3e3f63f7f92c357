import Foundation
import StrataIO

/// Per-epoch training curves, written as one standalone SVG file.
///
/// Metrics are grouped into panels by name: `loss` with `val_loss`,
/// `accuracy` with `val_accuracy`, and so on (the `val_` or `train_` prefix is
/// dropped to find the group). The loss panel comes first; panels sit side by
/// side. Training series are solid, validation series dashed, each epoch is
/// marked (up to 60 epochs), NaN values are skipped (the line joins the epochs
/// around them), and a single epoch shows as a single point.
/// A run that logs only a loss (a language model) gets a single panel.
///
/// ```swift
/// var curves = TrainingCurves(title: "MNIST MLP")
/// for epoch in 1...5 {
///     // ... train and validate ...
///     curves.record(epoch: epoch, metrics: [("loss", 0.31), ("val_loss", 0.29),
///                                           ("accuracy", 0.91), ("val_accuracy", 0.92)])
///     try curves.write(to: "runs/mnist/curves.svg")  // refresh the picture each epoch
/// }
/// ```
public struct TrainingCurves: Sendable {
    /// The figure title.
    public var title: String
    /// The width of one panel in pixels.
    public var panelWidth: Double = 520
    /// The height of one panel in pixels.
    public var panelHeight: Double = 380
    /// Metric names in the order they were first recorded.
    public private(set) var names: [String] = []
    private var epochs: [String: [Int]] = [:]
    private var values: [String: [Double]] = [:]

    /// Creates empty curves.
    ///
    /// ```swift
    /// var curves = TrainingCurves(title: "GPT on TinyShakespeare")
    /// ```
    public init(title: String = "Training curves") {
        self.title = title
    }

    /// Creates curves from whole histories, one value per epoch from epoch 1
    /// (the shape of a Keras `History`). Groups appear with `loss` first,
    /// then alphabetically.
    ///
    /// ```swift
    /// let curves = TrainingCurves(title: "run 7", history: [
    ///     "loss": [0.9, 0.5, 0.4], "val_loss": [1.0, 0.7, 0.6],
    /// ])
    /// ```
    public init(title: String = "Training curves", history: [String: [Double]]) {
        self.title = title
        for name in history.keys.sorted() {
            for (index, value) in history[name]!.enumerated() {
                record(epoch: index + 1, name: name, value: value)
            }
        }
    }

    /// Adds one epoch's metric values, in order. Recording an epoch again
    /// replaces its values (a resumed run).
    ///
    /// ```swift
    /// curves.record(epoch: 3, metrics: [("loss", 0.27), ("val_loss", 0.30)])
    /// ```
    public mutating func record(epoch: Int, metrics: [(String, Double)]) {
        for (name, value) in metrics { record(epoch: epoch, name: name, value: value) }
    }

    /// Adds one epoch's metric values from a dictionary.
    ///
    /// ```swift
    /// curves.record(epoch: 3, metrics: ["loss": 0.27, "val_loss": 0.30])
    /// ```
    public mutating func record(epoch: Int, metrics: [String: Double]) {
        for name in metrics.keys.sorted() { record(epoch: epoch, name: name, value: metrics[name]!) }
    }

    /// Adds one value of one metric.
    ///
    /// ```swift
    /// curves.record(epoch: 1, name: "perplexity", value: 42.7)
    /// ```
    public mutating func record(epoch: Int, name: String, value: Double) {
        if epochs[name] == nil {
            names.append(name)
            epochs[name] = []
            values[name] = []
        }
        if let index = epochs[name]!.lastIndex(of: epoch) {
            values[name]![index] = value
        } else {
            epochs[name]!.append(epoch)
            values[name]!.append(value)
        }
    }

    /// The recorded (epoch, value) pairs of one metric, empty if unknown.
    ///
    /// ```swift
    /// let valLoss = curves.points("val_loss").map(\.value)
    /// ```
    public func points(_ name: String) -> [(epoch: Int, value: Double)] {
        guard let epochs = epochs[name], let values = values[name] else { return [] }
        return zip(epochs, values).map { (epoch: $0.0, value: $0.1) }
    }

    /// The panels: one ``LineChart`` per metric group, `loss` first.
    ///
    /// ```swift
    /// for chart in curves.charts() { print(chart.title) }  // "Loss", "Accuracy"
    /// ```
    public func charts() -> [LineChart] {
        var groups: [(base: String, members: [String])] = []
        for name in names {
            let base = Self.baseName(name)
            if let index = groups.firstIndex(where: { $0.base == base }) {
                groups[index].members.append(name)
            } else {
                groups.append((base, [name]))
            }
        }
        // Loss first; otherwise keep the order in which the metrics arrived.
        if let lossIndex = groups.firstIndex(where: { $0.base == "loss" }), lossIndex > 0 {
            groups.insert(groups.remove(at: lossIndex), at: 0)
        }
        return groups.map { group in
            // Training series before validation series; each kind keeps its own color.
            let ordered = group.members.sorted { Self.isValidation($0) == Self.isValidation($1)
                ? group.members.firstIndex(of: $0)! < group.members.firstIndex(of: $1)!
                : !Self.isValidation($0) }
            var trainCount = 0, validationCount = 0
            let series = ordered.map { name -> LineChart.Series in
                let validation = Self.isValidation(name)
                let colorIndex = validation ? 1 + 2 * validationCount : 2 * trainCount
                if validation { validationCount += 1 } else { trainCount += 1 }
                let points = self.points(name)
                return LineChart.Series(
                    name: name, x: points.map { Double($0.epoch) }, y: points.map(\.value),
                    dashed: validation, color: LineChart.palette[colorIndex % LineChart.palette.count],
                    showsMarkers: nil)
            }
            return LineChart(title: Self.displayName(group.base), xLabel: "epoch", yLabel: group.base,
                             series: series, width: panelWidth, height: panelHeight, integerX: true)
        }
    }

    /// The whole figure as an SVG document: title, a line with the last
    /// epoch's values, then the panels (up to three per row).
    ///
    /// ```swift
    /// let text = curves.svg()
    /// ```
    public func svg() -> String {
        var panels = charts()
        if panels.isEmpty {
            panels = [LineChart(title: "Loss", xLabel: "epoch", yLabel: "loss",
                                width: panelWidth, height: panelHeight, integerX: true)]
        }
        let columns = panels.count == 4 ? 2 : min(3, panels.count)
        let rows = (panels.count + columns - 1) / columns
        let headerHeight = 56.0
        let width = Double(columns) * panelWidth
        let height = headerHeight + Double(rows) * panelHeight
        let n = SVGText.number

        var body = "<text x=\"\(n(width / 2))\" y=\"24\" font-size=\"17\" font-weight=\"bold\" "
            + "text-anchor=\"middle\" fill=\"#111\">\(SVGText.escape(title))</text>\n"
        let summary = summaryLine(maxWidth: width - 40, fontSize: 12)
        if !summary.isEmpty {
            body += "<text x=\"\(n(width / 2))\" y=\"44\" font-size=\"12\" text-anchor=\"middle\" "
                + "fill=\"#555\">\(SVGText.escape(summary))</text>\n"
        }
        for (index, panel) in panels.enumerated() {
            let x = Double(index % columns) * panelWidth
            let y = headerHeight + Double(index / columns) * panelHeight
            panel.render(into: &body, originX: x, originY: y, id: "panel\(index)")
        }
        return LineChart.document(width: width, height: height, body: body)
    }

    /// Writes ``svg()`` to `path` atomically (temporary file, then rename),
    /// creating missing folders; safe to call after every epoch.
    ///
    /// ```swift
    /// try curves.write(to: "runs/mnist/curves.svg")
    /// ```
    public func write(to path: String) throws {
        try AtomicFile.write(svg(), to: path)
    }

    // MARK: - Names

    /// `val_loss` and `train_loss` belong to the `loss` group.
    static func baseName(_ name: String) -> String {
        for prefix in ["val_", "validation_", "train_", "training_"] where name.hasPrefix(prefix) && name.count > prefix.count {
            return String(name.dropFirst(prefix.count))
        }
        return name
    }

    static func isValidation(_ name: String) -> Bool {
        name.hasPrefix("val_") || name.hasPrefix("validation_")
    }

    /// `top5_accuracy` becomes `Top5 accuracy`.
    static func displayName(_ base: String) -> String {
        let spaced = base.replacingOccurrences(of: "_", with: " ")
        return spaced.prefix(1).uppercased() + spaced.dropFirst()
    }

    /// "epoch 5: loss 0.2301, val_loss 0.2544", cut to fit the figure width.
    private func summaryLine(maxWidth: Double, fontSize: Double) -> String {
        guard let lastEpoch = names.compactMap({ epochs[$0]?.last }).max() else { return "" }
        var text = "epoch \(lastEpoch):"
        var first = true
        for name in names {
            guard let index = epochs[name]?.lastIndex(of: lastEpoch) else { continue }
            let value = values[name]![index]
            let piece = (first ? " " : ", ") + "\(name) \(ProgressBar.formatMetric(value))"
            if LineChart.textWidth(text + piece + ", ...", fontSize: fontSize) > maxWidth {
                text += ", ..."
                break
            }
            text += piece
            first = false
        }
        return text
    }
}
