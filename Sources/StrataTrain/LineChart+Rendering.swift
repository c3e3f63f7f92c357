import Foundation

/// Small helpers for writing SVG text.
enum SVGText {
    /// A coordinate with one decimal at most: `12`, `12.5`.
    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
        return String(format: "%.1f", rounded)
    }

    /// Escapes text for XML content and attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default:
                // Control characters other than tab and newlines are not allowed in XML.
                if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
                   scalar.value < 0x20, scalar != "\t", scalar != "\n", scalar != "\r" {
                    escaped += " "
                } else {
                    escaped.append(character)
                }
            }
        }
        return escaped
    }

    /// A value for a tooltip: whole numbers without decimals, others with 4 significant digits.
    static func value(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        return String(format: "%.4g", value)
    }
}

extension LineChart {
    private static let titleFont = 14.0
    private static let labelFont = 12.0
    private static let tickFont = 11.0
    private static let legendFont = 11.0
    private static let legendRowHeight = 16.0
    private static let legendSampleWidth = 26.0

    /// Draws the chart inside the rectangle at (`originX`, `originY`) of size
    /// ``width`` x ``height``; `id` makes the clip-path id unique in the document.
    func render(into svg: inout String, originX: Double, originY: Double, id: String) {
        let colors = series.enumerated().map { index, line in
            line.color ?? Self.palette[index % Self.palette.count]
        }
        let right = originX + width - 16
        // Title, then the legend rows between the title and the plot.
        let titleHeight = title.isEmpty ? 8.0 : 28.0
        let legendRows = legendLayout(maxWidth: width - 32)
        let legendHeight = legendRows.isEmpty ? 0 : Double(legendRows.count) * Self.legendRowHeight + 4
        let top = originY + titleHeight + legendHeight + 6
        let bottom = originY + height - (xLabel.isEmpty ? 28 : 46)

        let allX = series.flatMap { line in zip(line.x, line.y).filter { $0.1.isFinite }.map(\.0) }
        let allY = series.flatMap { line in zip(line.x, line.y).filter { $0.0.isFinite }.map(\.1) }
        var yAxis = Axis.make(values: allY, targetCount: max(2, Int((bottom - top) / 45)),
                              padding: 0.05, integer: false)
        let yLabelWidth = yAxis.labels.map { Self.textWidth($0, fontSize: Self.tickFont) }.max() ?? 0
        let left = originX + 12 + (yLabel.isEmpty ? 0 : 20) + yLabelWidth + 8
        var xAxis = Axis.make(values: allX, targetCount: max(2, Int((right - left) / 70)),
                              padding: 0.03, integer: integerX, labelRoom: right - left)
        if allX.isEmpty {
            // Nothing to show: draw the empty frame without made-up tick values.
            (xAxis.ticks, xAxis.labels, yAxis.ticks, yAxis.labels) = ([], [], [], [])
        }
        let plot = (left: left, right: right, top: top, bottom: bottom)
        let px = { (x: Double) in xAxis.position(x, start: plot.left, end: plot.right) }
        let py = { (y: Double) in yAxis.position(y, start: plot.bottom, end: plot.top) }
        let n = SVGText.number

        svg += "<g>\n"
        if !title.isEmpty {
            svg += "<text x=\"\(n(originX + width / 2))\" y=\"\(n(originY + 20))\" font-size=\"\(n(Self.titleFont))\" "
                + "font-weight=\"bold\" text-anchor=\"middle\" fill=\"#222\">\(SVGText.escape(title))</text>\n"
        }
        // Plot background and gridlines.
        svg += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(right - left))\" height=\"\(n(bottom - top))\" fill=\"#fbfbfb\"/>\n"
        svg += "<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n"
        for tick in yAxis.ticks {
            svg += "<line x1=\"\(n(left))\" y1=\"\(n(py(tick)))\" x2=\"\(n(right))\" y2=\"\(n(py(tick)))\"/>\n"
        }
        for tick in xAxis.ticks {
            svg += "<line x1=\"\(n(px(tick)))\" y1=\"\(n(top))\" x2=\"\(n(px(tick)))\" y2=\"\(n(bottom))\"/>\n"
        }
        svg += "</g>\n"
        // Axes, tick marks and tick labels.
        svg += "<g stroke=\"#444\" stroke-width=\"1\">\n"
        svg += "<line x1=\"\(n(left))\" y1=\"\(n(bottom))\" x2=\"\(n(right))\" y2=\"\(n(bottom))\"/>\n"
        svg += "<line x1=\"\(n(left))\" y1=\"\(n(top))\" x2=\"\(n(left))\" y2=\"\(n(bottom))\"/>\n"
        for tick in yAxis.ticks {
            svg += "<line x1=\"\(n(left - 4))\" y1=\"\(n(py(tick)))\" x2=\"\(n(left))\" y2=\"\(n(py(tick)))\"/>\n"
        }
        for tick in xAxis.ticks {
            svg += "<line x1=\"\(n(px(tick)))\" y1=\"\(n(bottom))\" x2=\"\(n(px(tick)))\" y2=\"\(n(bottom + 4))\"/>\n"
        }
        svg += "</g>\n"
        svg += "<g font-size=\"\(n(Self.tickFont))\" fill=\"#333\">\n"
        for (tick, label) in zip(yAxis.ticks, yAxis.labels) {
            svg += "<text x=\"\(n(left - 7))\" y=\"\(n(py(tick) + Self.tickFont * 0.35))\" text-anchor=\"end\">\(label)</text>\n"
        }
        for (tick, label) in zip(xAxis.ticks, xAxis.labels) {
            svg += "<text x=\"\(n(px(tick)))\" y=\"\(n(bottom + 8 + Self.tickFont))\" text-anchor=\"middle\">\(label)</text>\n"
        }
        svg += "</g>\n"
        if !xLabel.isEmpty {
            svg += "<text x=\"\(n((left + right) / 2))\" y=\"\(n(bottom + 38))\" font-size=\"\(n(Self.labelFont))\" "
                + "text-anchor=\"middle\" fill=\"#222\">\(SVGText.escape(xLabel))</text>\n"
        }
        if !yLabel.isEmpty {
            let x = originX + 12 + Self.labelFont * 0.8, y = (top + bottom) / 2
            svg += "<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(Self.labelFont))\" text-anchor=\"middle\" "
                + "fill=\"#222\" transform=\"rotate(-90 \(n(x)) \(n(y)))\">\(SVGText.escape(yLabel))</text>\n"
        }
        // The data, clipped to the plot area.
        let clip = "\(id)-plot"
        svg += "<defs><clipPath id=\"\(clip)\"><rect x=\"\(n(left))\" y=\"\(n(top))\" "
            + "width=\"\(n(right - left))\" height=\"\(n(bottom - top))\"/></clipPath></defs>\n"
        svg += "<g clip-path=\"url(#\(clip))\" fill=\"none\">\n"
        if allX.isEmpty {
            svg += "<text x=\"\(n((left + right) / 2))\" y=\"\(n((top + bottom) / 2))\" font-size=\"\(n(Self.labelFont))\" "
                + "text-anchor=\"middle\" fill=\"#888\">no data</text>\n"
        }
        for (line, color) in zip(series, colors) {
            renderSeries(line, color: color, into: &svg, px: px, py: py, pixels: right - left)
        }
        svg += "</g>\n"
        renderLegend(legendRows, colors: colors, into: &svg,
                     centerX: (left + right) / 2, top: originY + titleHeight)
        svg += "</g>\n"
    }

    // MARK: - Series

    private func renderSeries(_ line: Series, color: String, into svg: inout String,
                              px: (Double) -> Double, py: (Double) -> Double, pixels: Double) {
        let n = SVGText.number
        // Non-finite points are skipped: the line joins their neighbours (a
        // validation metric logged as NaN on the epochs it was not computed).
        var points = zip(line.x, line.y).filter { $0.0.isFinite && $0.1.isFinite }
        let pointCount = points.count
        guard pointCount > 0 else { return }
        // Very long series (loss per step) keep their envelope: first, min, max, last per pixel.
        if pointCount > 4 * max(1, Int(pixels)) { points = Self.thinned(points, px: px) }

        var path = ""
        if points.count > 1 {
            for (index, point) in points.enumerated() {
                path += (index == 0 ? "M" : "L") + "\(n(px(point.0))) \(n(py(point.1)))"
            }
        }
        let dash = line.dashed ? " stroke-dasharray=\"7 4\"" : ""
        if !path.isEmpty {
            svg += "<path d=\"\(path)\" stroke=\"\(SVGText.escape(color))\" stroke-width=\"2\" "
                + "stroke-linejoin=\"round\" stroke-linecap=\"round\"\(dash)/>\n"
        }
        // Markers: on every point of a short series, and always on a lone point.
        guard line.marksPoints || points.count == 1 else { return }
        let fill = line.dashed ? "#ffffff" : SVGText.escape(color)
        svg += "<g stroke=\"\(SVGText.escape(color))\" stroke-width=\"1.5\" fill=\"\(fill)\">\n"
        let name = SVGText.escape(line.name)
        let axisName = xLabel.isEmpty ? "x" : SVGText.escape(xLabel)
        for (x, y) in points {
            svg += "<circle cx=\"\(n(px(x)))\" cy=\"\(n(py(y)))\" r=\"3.5\"><title>\(name) at \(axisName) "
                + "\(SVGText.value(x)): \(SVGText.value(y))</title></circle>\n"
        }
        svg += "</g>\n"
    }

    /// Keeps the first, lowest, highest and last point of each pixel column.
    static func thinned(_ run: [(Double, Double)], px: (Double) -> Double) -> [(Double, Double)] {
        var kept: [(Double, Double)] = []
        var start = 0
        while start < run.count {
            let column = Int(px(run[start].0).rounded(.down))
            var end = start + 1
            while end < run.count && Int(px(run[end].0).rounded(.down)) == column { end += 1 }
            let bucket = run[start..<end]
            var picks = [start, end - 1]
            if let low = bucket.indices.min(by: { run[$0].1 < run[$1].1 }) { picks.append(low) }
            if let high = bucket.indices.max(by: { run[$0].1 < run[$1].1 }) { picks.append(high) }
            for index in Set(picks).sorted() { kept.append(run[index]) }
            start = end
        }
        return kept
    }

    // MARK: - Legend

    /// Splits the legend entries into rows that fit in `maxWidth`; each entry
    /// is (series index, entry width).
    private func legendLayout(maxWidth: Double) -> [[(Int, Double)]] {
        var rows: [[(Int, Double)]] = []
        var row: [(Int, Double)] = []
        var used = 0.0
        for (index, line) in series.enumerated() {
            let entry = Self.legendSampleWidth + 6 + Self.textWidth(line.name, fontSize: Self.legendFont) + 18
            if !row.isEmpty && used + entry > maxWidth {
                rows.append(row)
                row = []
                used = 0
            }
            row.append((index, entry))
            used += entry
        }
        if !row.isEmpty { rows.append(row) }
        return rows
    }

    private func renderLegend(_ rows: [[(Int, Double)]], colors: [String], into svg: inout String,
                              centerX: Double, top: Double) {
        let n = SVGText.number
        svg += "<g font-size=\"\(n(Self.legendFont))\" fill=\"#222\">\n"
        for (rowIndex, row) in rows.enumerated() {
            let rowWidth = row.reduce(0) { $0 + $1.1 } - 18
            var x = centerX - rowWidth / 2
            let y = top + Double(rowIndex) * Self.legendRowHeight + Self.legendRowHeight / 2 + 2
            for (index, entryWidth) in row {
                let line = series[index]
                let color = SVGText.escape(colors[index])
                let dash = line.dashed ? " stroke-dasharray=\"7 4\"" : ""
                svg += "<line x1=\"\(n(x))\" y1=\"\(n(y))\" x2=\"\(n(x + Self.legendSampleWidth))\" y2=\"\(n(y))\" "
                    + "stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>\n"
                let fill = line.dashed ? "#ffffff" : color
                if line.marksPoints { svg += "<circle cx=\"\(n(x + Self.legendSampleWidth / 2))\" cy=\"\(n(y))\" r=\"3.5\" "
                    + "stroke=\"\(color)\" stroke-width=\"1.5\" fill=\"\(fill)\"/>\n" }
                svg += "<text x=\"\(n(x + Self.legendSampleWidth + 6))\" y=\"\(n(y + Self.legendFont * 0.35))\">"
                    + "\(SVGText.escape(line.name))</text>\n"
                x += entryWidth
            }
        }
        svg += "</g>\n"
    }
}

extension LineChart.Series {
    /// Whether every point gets a marker: ``showsMarkers``, or up to 60 finite points.
    var marksPoints: Bool {
        showsMarkers ?? (zip(x, y).lazy.filter { $0.0.isFinite && $0.1.isFinite }.count <= 60)
    }
}
