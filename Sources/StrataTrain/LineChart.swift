import Foundation
import StrataIO

/// A line chart rendered as a standalone SVG file that any browser opens.
///
/// Axes get rounded tick values and gridlines, each series a color (or the
/// one you give), dashed or solid lines, point markers (by default when a
/// series has at most 60 points) and an entry in the legend above the plot.
/// Non-finite values are skipped (the line joins the points around them).
///
/// ```swift
/// var chart = LineChart(title: "Loss per step", xLabel: "step", yLabel: "loss")
/// chart.series.append(.init(name: "loss", x: steps.map(Double.init), y: losses))
/// try chart.write(to: "runs/gpt/loss.svg")
/// ```
public struct LineChart: Sendable {
    /// One named line of the chart.
    ///
    /// ```swift
    /// let train = LineChart.Series(name: "loss", values: [0.9, 0.5, 0.4])  // x = 1, 2, 3
    /// let val = LineChart.Series(name: "val_loss", x: [1, 2, 3], y: [1.0, 0.7, 0.6], dashed: true)
    /// ```
    public struct Series: Sendable {
        /// The name shown in the legend.
        public var name: String
        /// The x coordinates, one per point.
        public var x: [Double]
        /// The y coordinates, one per point; NaN or infinite ones are skipped.
        public var y: [Double]
        /// Draws the line dashed (validation series, by convention).
        public var dashed: Bool
        /// A CSS color such as `"#1f77b4"`; `nil` takes the next palette color.
        public var color: String?
        /// Marks every point; `nil` marks them when there are at most 60.
        public var showsMarkers: Bool?

        /// Creates a series from x and y coordinates (the shorter length wins).
        ///
        /// ```swift
        /// let s = LineChart.Series(name: "loss", x: [0, 100, 200], y: [2.3, 1.1, 0.8])
        /// ```
        public init(name: String, x: [Double], y: [Double], dashed: Bool = false,
                    color: String? = nil, showsMarkers: Bool? = nil) {
            let count = min(x.count, y.count)
            self.name = name
            self.x = Array(x.prefix(count))
            self.y = Array(y.prefix(count))
            self.dashed = dashed
            self.color = color
            self.showsMarkers = showsMarkers
        }

        /// Creates a series whose x coordinates count from `firstX` (1: epochs).
        ///
        /// ```swift
        /// let s = LineChart.Series(name: "accuracy", values: [0.81, 0.90, 0.93])
        /// ```
        public init(name: String, values: [Double], firstX: Double = 1, dashed: Bool = false,
                    color: String? = nil, showsMarkers: Bool? = nil) {
            self.init(name: name, x: values.indices.map { firstX + Double($0) }, y: values,
                      dashed: dashed, color: color, showsMarkers: showsMarkers)
        }
    }

    /// The title above the plot.
    public var title: String
    /// The label under the x axis.
    public var xLabel: String
    /// The label beside the y axis.
    public var yLabel: String
    /// The lines, drawn in order (later ones on top).
    public var series: [Series]
    /// The width of the whole chart in pixels.
    public var width: Double
    /// The height of the whole chart in pixels.
    public var height: Double
    /// Puts x ticks on whole numbers only (epochs, steps).
    public var integerX: Bool

    /// Creates a chart.
    ///
    /// ```swift
    /// let chart = LineChart(title: "Loss", xLabel: "epoch", yLabel: "loss",
    ///                       series: [.init(name: "loss", values: history)], integerX: true)
    /// ```
    public init(title: String = "", xLabel: String = "", yLabel: String = "",
                series: [Series] = [], width: Double = 520, height: Double = 380,
                integerX: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.width = width
        self.height = height
        self.integerX = integerX
    }

    /// The colors given to series without one (the Tableau 10 palette).
    ///
    /// ```swift
    /// let blue = LineChart.palette[0]  // "#1f77b4"
    /// ```
    public static let palette = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]

    /// The chart as a complete SVG document.
    ///
    /// ```swift
    /// let text = chart.svg()  // "<?xml version=\"1.0\" ...<svg ...>...</svg>\n"
    /// ```
    public func svg() -> String {
        var body = ""
        render(into: &body, originX: 0, originY: 0, id: "chart")
        return Self.document(width: width, height: height, body: body)
    }

    /// Writes ``svg()`` to `path` atomically (temporary file, then rename),
    /// creating missing folders.
    ///
    /// ```swift
    /// try chart.write(to: "runs/loss.svg")
    /// ```
    public func write(to path: String) throws {
        try AtomicFile.write(svg(), to: path)
    }

    /// Wraps drawn elements into an SVG document with a white background.
    static func document(width: Double, height: Double, body: String) -> String {
        let w = SVGText.number(width), h = SVGText.number(height)
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(w)" height="\(h)" viewBox="0 0 \(w) \(h)" \
        font-family="Helvetica, Arial, 'DejaVu Sans', sans-serif">
        <rect width="\(w)" height="\(h)" fill="#ffffff"/>

        """ + body + "</svg>\n"
    }
}
