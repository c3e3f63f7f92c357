import Foundation

/// A Keras-like progress display for one training epoch.
///
/// On a terminal it redraws a single line in place (at most about ten times a
/// second), sized to the terminal width:
///
/// ```text
/// Epoch 2/5  [=========>.....................]  120/469  loss 0.2345  accuracy 0.9312  11,200 samples/s  ETA 0:31
/// ```
///
/// When the output is not a terminal (a log file, `nohup`, CI) it writes no
/// carriage returns: a plain line every ``logPercent`` percent or
/// ``logInterval`` seconds, whichever comes first, and the final line.
///
/// ```swift
/// for epoch in 1...5 {
///     let bar = ProgressBar(totalSteps: 469, epoch: epoch, totalEpochs: 5)
///     var seen = 0
///     for step in 1...469 {
///         seen += 128
///         bar.update(step: step, metrics: [("loss", 0.23), ("accuracy", 0.93)], samples: seen)
///     }
///     bar.finish(metrics: [("loss", 0.23), ("accuracy", 0.93), ("val_loss", 0.25)])
/// }
/// ```
///
/// A progress bar is not thread-safe: drive it from the training loop's thread.
public final class ProgressBar {
    /// Steps in the epoch; zero or less when unknown (no bar and no ETA then).
    public let totalSteps: Int
    /// The current epoch, counted from 1.
    public let epoch: Int
    /// The number of epochs in the run.
    public let totalEpochs: Int
    /// Where the text goes.
    public let output: Output
    /// `true` when the line is redrawn in place, `false` for plain log lines.
    public let isInteractive: Bool
    /// Minimum seconds between two redraws in interactive mode.
    public var redrawInterval: Double
    /// In log mode, the longest time in seconds between two lines.
    public var logInterval: Double
    /// In log mode, a line is written each time progress crosses a multiple of
    /// this percentage (0 turns it off).
    public var logPercent: Double
    /// Replaces "Epoch e/n" at the start of the line when set (e.g. "Steps 251-500").
    public var label: String?
    /// What the throughput counts ("samples", "tokens").
    public var unit = "samples"

    private let clock: () -> Double
    private let fixedColumns: Int?
    private let startTime: Double
    private var lastDrawTime: Double?
    private var lastLogTime: Double
    private var nextLogFraction: Double
    private var lastStep = 0
    private var lastSamples = 0
    private var lastMetrics: [(String, Double)] = []
    private var isFinished = false

    /// Creates a progress bar for one epoch and starts its clock.
    ///
    /// - Parameters:
    ///   - totalSteps: steps (batches) in this epoch; 0 when unknown.
    ///   - epoch: this epoch, from 1.
    ///   - totalEpochs: epochs in the whole run.
    ///   - output: where to write; standard output by default, like Keras.
    ///   - mode: ``Mode/automatic`` picks in-place redraws on a terminal and
    ///     plain lines elsewhere.
    ///   - columns: a fixed line width; by default the terminal's width
    ///     (`TIOCGWINSZ`, then `$COLUMNS`, then 80).
    ///   - redrawInterval: minimum seconds between redraws on a terminal.
    ///   - logInterval: maximum seconds between lines in log mode.
    ///   - logPercent: log mode writes a line at each multiple of this percentage.
    ///   - clock: a monotonic time source in seconds; inject one in tests.
    ///
    /// ```swift
    /// var now = 0.0
    /// let buffer = TextBuffer()
    /// let bar = ProgressBar(totalSteps: 100, epoch: 1, totalEpochs: 3,
    ///                       output: .buffer(buffer), mode: .log, clock: { now })
    /// ```
    public init(
        totalSteps: Int,
        epoch: Int = 1,
        totalEpochs: Int = 1,
        output: Output = .standardOutput,
        mode: Mode = .automatic,
        columns: Int? = nil,
        redrawInterval: Double = 0.1,
        logInterval: Double = 30,
        logPercent: Double = 10,
        clock: @escaping () -> Double = ProgressBar.monotonicSeconds
    ) {
        self.totalSteps = totalSteps
        self.epoch = epoch
        self.totalEpochs = totalEpochs
        self.output = output
        switch mode {
        case .automatic: self.isInteractive = output.isTerminal
        case .interactive: self.isInteractive = true
        case .log: self.isInteractive = false
        }
        self.fixedColumns = columns
        self.redrawInterval = redrawInterval
        self.logInterval = logInterval
        self.logPercent = logPercent
        self.clock = clock
        self.startTime = clock()
        self.lastLogTime = startTime
        self.nextLogFraction = logPercent > 0 ? logPercent / 100 : .infinity
    }

    /// Seconds from a monotonic clock: the default time source.
    ///
    /// ```swift
    /// let t0 = ProgressBar.monotonicSeconds()
    /// ```
    public static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }

    /// Seconds since the bar was created, by its clock.
    ///
    /// ```swift
    /// print(bar.elapsed)
    /// ```
    public var elapsed: Double { max(0, clock() - startTime) }

    /// Records progress and redraws when it is time to.
    ///
    /// - Parameters:
    ///   - step: steps completed in this epoch (1 after the first batch).
    ///   - metrics: running values to show, in this order, e.g. `[("loss", 0.31)]`.
    ///   - samples: samples processed so far in this epoch (cumulative); 0 hides
    ///     the throughput.
    ///
    /// ```swift
    /// bar.update(step: 120, metrics: [("loss", 0.2345), ("accuracy", 0.9312)], samples: 15_360)
    /// ```
    public func update(step: Int, metrics: [(String, Double)] = [], samples: Int = 0) {
        guard !isFinished else { return }
        lastStep = step
        lastMetrics = metrics
        lastSamples = samples
        let now = clock()
        if isInteractive {
            if let last = lastDrawTime, now - last < redrawInterval { return }
            lastDrawTime = now
            let line = fitted(composeLine(final: false, now: now, includeBar: true))
            output.write("\r\u{1B}[2K" + line)
        } else {
            if totalSteps > 0 && step >= totalSteps { return }  // finish() writes that line
            let fraction = totalSteps > 0 ? Double(step) / Double(totalSteps) : 0
            let crossedPercent = totalSteps > 0 && fraction + 1e-9 >= nextLogFraction
            let waitedLongEnough = now - lastLogTime >= logInterval
            guard crossedPercent || waitedLongEnough else { return }
            lastLogTime = now
            if logPercent > 0 {
                let spacing = logPercent / 100
                nextLogFraction = ((fraction / spacing + 1e-9).rounded(.down) + 1) * spacing
            }
            output.write(composeLine(final: false, now: now, includeBar: false) + "\n")
        }
    }

    /// Writes the epoch's final line (elapsed time, time per step, final
    /// metrics) and ends it with a newline. Later calls do nothing.
    ///
    /// - Parameters:
    ///   - metrics: final values, often with validation metrics added; when
    ///     empty, the last values given to ``update(step:metrics:samples:)``.
    ///   - samples: samples processed in the epoch; by default the last value given.
    ///
    /// ```swift
    /// bar.finish(metrics: [("loss", 0.2301), ("val_loss", 0.2544)])
    /// ```
    public func finish(metrics: [(String, Double)] = [], samples: Int? = nil) {
        guard !isFinished else { return }
        isFinished = true
        if !metrics.isEmpty { lastMetrics = metrics }
        if let samples { lastSamples = samples }
        if totalSteps > 0 { lastStep = totalSteps }
        let now = clock()
        if isInteractive {
            let line = fitted(composeLine(final: true, now: now, includeBar: true))
            output.write("\r\u{1B}[2K" + line + "\n")
        } else {
            output.write(composeLine(final: true, now: now, includeBar: false) + "\n")
        }
    }

    // MARK: - Line layout

    /// The width of a line: the fixed width or the terminal's.
    private var columns: Int { fixedColumns ?? output.terminalColumns }

    /// Builds the text of one line from the current state.
    private func composeLine(final: Bool, now: Double, includeBar: Bool) -> String {
        let elapsed = max(0, now - startTime)
        let parts = LineParts(
            head: label ?? "Epoch \(epoch)/\(totalEpochs)",
            count: countText(withPercent: !isInteractive && !final),
            metrics: lastMetrics.map { "\($0.0) \(Self.formatMetric($0.1))" },
            rate: rateText(elapsed: elapsed),
            time: final ? finalTimeText(elapsed: elapsed) : etaText(elapsed: elapsed)
        )
        guard includeBar, totalSteps > 0 else { return parts.joined(bar: nil) }
        let fraction = min(1, max(0, Double(lastStep) / Double(totalSteps)))
        // Give the bar what the rest of the line leaves, between 10 and 30 cells
        // (plus two brackets and the two spaces that separate it).
        let available = columns - 1
        var trimmed = parts
        var room = available - trimmed.joined(bar: nil).count - 4
        if room < 10, trimmed.rate != nil {
            trimmed.rate = nil  // throughput is the first thing to go on a narrow terminal
            room = available - trimmed.joined(bar: nil).count - 4
        }
        guard room >= 10 else { return trimmed.joined(bar: nil) }
        let width = min(30, room)
        return trimmed.joined(bar: Self.bar(fraction: fraction, width: width, done: final))
    }

    /// Cuts a line to the terminal width so a redraw never wraps.
    private func fitted(_ line: String) -> String {
        let limit = max(1, columns - 1)
        return line.count <= limit ? line : String(line.prefix(limit))
    }

    private func countText(withPercent: Bool) -> String {
        guard totalSteps > 0 else { return "\(lastStep)" }
        let total = "\(totalSteps)"
        let step = "\(lastStep)"
        let padded = String(repeating: " ", count: max(0, total.count - step.count)) + step
        if withPercent {
            let percent = Int((100 * Double(lastStep) / Double(totalSteps)).rounded(.down))
            return "\(padded)/\(total) (\(percent)%)"
        }
        return "\(padded)/\(total)"
    }

    private func rateText(elapsed: Double) -> String? {
        guard lastSamples > 0, elapsed > 0 else { return nil }
        let rate = Double(lastSamples) / elapsed
        if rate >= 100 { return "\(Self.groupThousands(Int(rate.rounded()))) \(unit)/s" }
        return String(format: "%.1f \(unit)/s", rate)
    }

    private func etaText(elapsed: Double) -> String? {
        guard totalSteps > 0 else { return nil }
        guard lastStep > 0 else { return "ETA --:--" }
        let remaining = elapsed / Double(lastStep) * Double(max(0, totalSteps - lastStep))
        return "ETA " + Self.formatClock(remaining)
    }

    private func finalTimeText(elapsed: Double) -> String {
        var text = "elapsed " + Self.formatElapsed(elapsed)
        if lastStep > 0 {
            text += "  " + Self.formatStepTime(elapsed / Double(lastStep))
        }
        return text
    }

    /// The pieces of one line, joined with two spaces; the bar goes after the head.
    private struct LineParts {
        var head: String
        var count: String
        var metrics: [String]
        var rate: String?
        var time: String?

        func joined(bar: String?) -> String {
            var pieces = [head]
            if let bar { pieces.append(bar) }
            pieces.append(count)
            pieces += metrics
            if let rate { pieces.append(rate) }
            if let time { pieces.append(time) }
            return pieces.joined(separator: "  ")
        }
    }
}
