import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import StrataIO
import StrataTrain
import Testing

// Tests of the Foundation-only reporting pieces: ProgressBar, LineChart,
// TrainingCurves, MetricsLog and JSONValue. Public API only.

// MARK: - Helpers

/// A fresh, empty folder under the temporary directory.
private func makeTemporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("strata-reporting-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// Parses XML and collects element names and text, or fails the parse.
private final class XMLCollector: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var attributes: [[String: String]] = []
    var text = ""

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append(elementName)
        attributes.append(attributeDict)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    /// Returns nil when the document is not well-formed XML.
    static func parse(_ document: String) -> XMLCollector? {
        let collector = XMLCollector()
        let parser = XMLParser(data: Data(document.utf8))
        parser.delegate = collector
        return parser.parse() ? collector : nil
    }
}

private func lines(ofFile url: URL) throws -> [String] {
    try String(contentsOf: url, encoding: .utf8)
        .split(separator: "\n", omittingEmptySubsequences: false)
        .map(String.init)
        .filter { !$0.isEmpty }
}

// MARK: - ProgressBar

@Suite("ProgressBar")
struct ProgressBarTests {
    @Test("non-terminal output gets plain lines with metrics, throughput and ETA")
    func logModeLines() {
        var now = 0.0
        let buffer = TextBuffer()
        let bar = ProgressBar(totalSteps: 469, epoch: 2, totalEpochs: 5,
                              output: .buffer(buffer), clock: { now })
        #expect(!bar.isInteractive)  // a buffer is never a terminal
        for step in 1...469 {
            now += 0.1
            bar.update(step: step, metrics: [("loss", 0.2345), ("accuracy", 0.9312)], samples: step * 128)
        }
        bar.finish(metrics: [("loss", 0.2301), ("accuracy", 0.9320), ("val_loss", 0.2544)])

        let text = buffer.text
        let lines = text.split(separator: "\n").map(String.init)
        #expect(!text.contains("\r"))
        #expect(text.hasSuffix("\n"))
        #expect(lines.count == 10)  // one per 10% (9), then the final line
        #expect(lines[0].hasPrefix("Epoch 2/5"))
        #expect(lines[0].contains("47/469"))
        #expect(lines[0].contains("loss 0.2345"))
        #expect(lines[0].contains("accuracy 0.9312"))
        #expect(lines[0].contains("1,280 samples/s"))
        // 47 steps took 4.7 s, so 422 more take 42.2 s.
        #expect(lines[0].contains("ETA 0:42"))
        let last = lines[lines.count - 1]
        #expect(last.contains("469/469"))
        #expect(last.contains("val_loss 0.2544"))
        #expect(last.contains("elapsed 46.9s"))
        #expect(last.contains("100ms/step"))
        #expect(!last.contains("ETA"))
    }

    @Test("log mode also writes a line after logInterval seconds")
    func logModeInterval() {
        var now = 0.0
        let buffer = TextBuffer()
        let bar = ProgressBar(totalSteps: 1000, output: .buffer(buffer), mode: .log,
                              logInterval: 5, logPercent: 0, clock: { now })
        for step in 1...100 {
            now += 1
            bar.update(step: step, metrics: [("loss", 1.5)])
        }
        #expect(buffer.text.split(separator: "\n").count == 20)
        bar.finish()
        bar.finish()  // a second call does nothing
        #expect(buffer.text.split(separator: "\n").count == 21)
    }

    @Test("interactive mode redraws in place about ten times a second")
    func interactiveRedraws() {
        var now = 0.0
        let buffer = TextBuffer()
        let bar = ProgressBar(totalSteps: 100, epoch: 1, totalEpochs: 1, output: .buffer(buffer),
                              mode: .interactive, columns: 120, clock: { now })
        #expect(bar.isInteractive)
        for step in 1...100 {
            now += 0.01
            bar.update(step: step, metrics: [("loss", 0.5)], samples: step * 32)
        }
        bar.finish()
        let redraws = buffer.text.filter { $0 == "\r" }.count
        #expect(redraws >= 10 && redraws <= 12)
        #expect(buffer.text.hasSuffix("\n"))
        #expect(buffer.text.filter { $0 == "\n" }.count == 1)
        let finalLine = buffer.text.components(separatedBy: "\r").last ?? ""
        #expect(finalLine.contains("[" + String(repeating: "=", count: 10)))
        #expect(finalLine.contains("100/100"))
        #expect(finalLine.contains("loss 0.5000"))
    }

    @Test("interactive lines never exceed the terminal width", arguments: [40, 60, 80, 100, 200])
    func interactiveWidth(columns: Int) {
        var now = 0.0
        let buffer = TextBuffer()
        let bar = ProgressBar(totalSteps: 469, epoch: 12, totalEpochs: 100, output: .buffer(buffer),
                              mode: .interactive, columns: columns, clock: { now })
        for step in stride(from: 1, through: 469, by: 17) {
            now += 1
            bar.update(step: step, metrics: [("loss", 0.2345), ("accuracy", 0.9312)], samples: step * 128)
        }
        bar.finish()
        let clear = "\u{1B}[2K"
        for segment in buffer.text.components(separatedBy: "\r") where !segment.isEmpty {
            let visible = segment.replacingOccurrences(of: clear, with: "")
                .trimmingCharacters(in: .newlines)
            #expect(visible.count <= columns - 1, "\(visible)")
        }
    }

    @Test("number and time formatting")
    func formatting() {
        #expect(ProgressBar.groupThousands(11200) == "11,200")
        #expect(ProgressBar.groupThousands(999) == "999")
        #expect(ProgressBar.groupThousands(-1_234_567) == "-1,234,567")
        #expect(ProgressBar.formatClock(31) == "0:31")
        #expect(ProgressBar.formatClock(3725) == "1:02:05")
        #expect(ProgressBar.formatMetric(0.23451) == "0.2345")
        #expect(ProgressBar.formatMetric(.nan) == "nan")
        #expect(ProgressBar.formatMetric(1.23e-5) == "1.230e-05")
        #expect(ProgressBar.formatStepTime(0.079) == "79ms/step")
        #expect(ProgressBar.bar(fraction: 0.5, width: 10, done: false) == "[====>.....]")
        #expect(ProgressBar.bar(fraction: 0, width: 4, done: false) == "[....]")
        #expect(ProgressBar.bar(fraction: 1, width: 4, done: true) == "[====]")
    }
}

// MARK: - Charts

@Suite("Training curves")
struct TrainingCurvesTests {
    private func mnistCurves(epochs: Int) -> TrainingCurves {
        var curves = TrainingCurves(title: "MNIST <MLP> & co")
        for epoch in 1...epochs {
            let t = Double(epoch)
            curves.record(epoch: epoch, metrics: [
                ("loss", 0.9 / t), ("accuracy", 1 - 0.3 / t),
                ("val_loss", epoch == 3 ? .nan : 1.0 / t), ("val_accuracy", 0.98 - 0.3 / t),
            ])
        }
        return curves
    }

    @Test("the SVG is well-formed XML with both panels and all series names")
    func wellFormed() throws {
        let svg = mnistCurves(epochs: 8).svg()
        let parsed = try #require(XMLCollector.parse(svg))
        #expect(parsed.elements.first == "svg")
        for name in ["loss", "val_loss", "accuracy", "val_accuracy", "Loss", "Accuracy", "MNIST <MLP> & co"] {
            #expect(parsed.text.contains(name), "missing \(name)")
        }
        #expect(!svg.contains("NaN") && !svg.contains("nan\""))
        // Validation lines are dashed, training lines solid.
        let paths = zip(parsed.elements, parsed.attributes).filter { $0.0 == "path" }.map(\.1)
        #expect(paths.count == 4)
        #expect(paths.filter { $0["stroke-dasharray"] != nil }.count == 2)
    }

    @Test("a single epoch draws single points")
    func singleEpoch() throws {
        let curves = mnistCurves(epochs: 1)
        let svg = curves.svg()
        let parsed = try #require(XMLCollector.parse(svg))
        #expect(parsed.elements.filter { $0 == "circle" }.count >= 4)
        #expect(parsed.text.contains("val_accuracy"))
    }

    @Test("loss only gives one panel")
    func lossOnly() throws {
        let curves = TrainingCurves(title: "GPT", history: ["loss": [4.1, 2.9, 2.2], "val_loss": [4.0, 3.1, 2.6]])
        let charts = curves.charts()
        #expect(charts.count == 1)
        #expect(charts[0].series.map(\.name) == ["loss", "val_loss"])
        #expect(charts[0].series.map(\.dashed) == [false, true])
        let parsed = try #require(XMLCollector.parse(curves.svg()))
        #expect(!parsed.text.contains("Accuracy"))
    }

    @Test("empty curves and all-NaN series still give valid SVG")
    func emptyAndNaN() throws {
        #expect(XMLCollector.parse(TrainingCurves().svg()) != nil)
        let chart = LineChart(title: "nan", series: [.init(name: "x", values: [.nan, .nan, .infinity])])
        #expect(XMLCollector.parse(chart.svg()) != nil)
    }

    @Test("LineChart with many steps writes atomically and thins the path")
    func lossPerStep() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let steps = (0..<20_000).map(Double.init)
        let losses = steps.map { 3 * exp(-$0 / 4000) + 0.1 * sin($0) }
        let chart = LineChart(title: "Loss per step", xLabel: "step", yLabel: "loss",
                              series: [.init(name: "loss", x: steps, y: losses)], integerX: true)
        let path = folder.appendingPathComponent("plots/loss.svg").path
        try chart.write(to: path)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written == chart.svg())
        #expect(written.utf8.count < 200_000)
        #expect(XMLCollector.parse(written) != nil)
        #expect(written.contains(">20k<"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("plots").path)
        #expect(leftovers == ["loss.svg"])
    }
}

// MARK: - Metrics logs

@Suite("MetricsLog")
struct MetricsLogTests {
    @Test("CSV: header from the first row, rows in column order, append keeps the header")
    func csv() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("history.csv")
        let log = try MetricsLog(path: url.path)
        #expect(log.format == .csv)
        try log.log(epoch: 1, metrics: [("loss", 0.5), ("val_loss", 0.625)])
        // Rows are on disk before the log is closed.
        #expect(try lines(ofFile: url) == ["epoch,loss,val_loss", "1,0.5,0.625"])
        try log.log([("val_loss", 0.25), ("epoch", 2), ("loss", .double(.nan)), ("extra", 1)])
        try log.log(["epoch": 3, "loss": "a,\"b\""])
        log.close()
        #expect(log.columns == ["epoch", "loss", "val_loss"])
        #expect(try lines(ofFile: url) == [
            "epoch,loss,val_loss", "1,0.5,0.625", "2,nan,0.25", "3,\"a,\"\"b\"\"\",",
        ])

        let resumed = try MetricsLog(path: url.path, append: true)
        #expect(resumed.columns == ["epoch", "loss", "val_loss"])
        try resumed.log(epoch: 4, metrics: [("val_loss", 0.125), ("loss", 0.0625)])
        #expect(try lines(ofFile: url).last == "4,0.0625,0.125")
        #expect(try lines(ofFile: url).count == 5)
    }

    @Test("JSON lines: one parseable object per row, NaN as null")
    func jsonLines() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("runs/history.jsonl")
        let log = try MetricsLog(path: url.path)
        #expect(log.format == .jsonLines)
        try log.log(epoch: 1, metrics: [("loss", 0.5), ("val_loss", .nan)])
        try log.log([("epoch", 2), ("loss", 0.25), ("note", "line\nbreak \"quoted\""), ("lr", [0.1, 0.01])])
        let rows = try lines(ofFile: url)
        #expect(rows.count == 2)
        #expect(rows[0] == #"{"epoch":1,"loss":0.5,"val_loss":null}"#)
        let objects = try rows.map { row in
            try #require(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any])
        }
        #expect(objects[0]["epoch"] as? Int == 1)
        #expect(objects[0]["val_loss"] is NSNull)
        #expect(objects[1]["note"] as? String == "line\nbreak \"quoted\"")
        #expect((objects[1]["lr"] as? [Double])?.count == 2)
    }

    @Test("an unknown extension is an error that names the file")
    func unknownExtension() {
        #expect(throws: FileError(path: "metrics.txt", found: "cannot tell the format from the extension", expected: ".csv or .jsonl")) {
            try MetricsLog(path: "metrics.txt")
        }
        do { _ = try MetricsLog(path: "metrics.txt") } catch { #expect("\(error)".contains("metrics.txt")) }
    }

    @Test("the result file is pretty, sorted, parseable and has no NaN")
    func result() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("result.json").path
        try MetricsLog.writeResult([
            "test_accuracy": 0.9812, "model": "mlp", "epochs": 5, "diverged": false,
            "best": .double(.nan), "history": ["loss": [0.5, 0.25]], "lr": JSONValue(Float(0.1)),
        ], to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("{\n  \""))
        #expect(text.contains("\"best\": null"))
        #expect(text.contains("\"lr\": 0.1,"))
        #expect(!text.lowercased().contains("nan"))
        let keys = ["best", "diverged", "epochs", "history", "lr", "model", "test_accuracy"]
        let positions = keys.map { text.range(of: "\"\($0)\"")!.lowerBound }
        #expect(positions == positions.sorted())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["test_accuracy"] as? Double == 0.9812)
        #expect(object["model"] as? String == "mlp")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(leftovers == ["result.json"])
    }

    @Test("JSONValue text forms")
    func jsonValue() {
        #expect(JSONValue.object(["b": 1, "a": [true, nil]]).jsonString(pretty: false) == #"{"a":[true,null],"b":1}"#)
        #expect(JSONValue.double(.infinity).jsonString() == "null")
        #expect(JSONValue.double(3).jsonString() == "3.0")
        #expect(JSONValue.string("tab\there\u{01}").jsonString() == #""tab\there\u0001""#)
        #expect(JSONValue.object([:]).jsonString() == "{}")
    }
}
