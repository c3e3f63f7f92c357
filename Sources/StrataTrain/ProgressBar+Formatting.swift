import Foundation

extension ProgressBar {
    /// Formats a metric value the way the progress line shows it: four
    /// decimals, or three significant digits in scientific notation for very
    /// small or large values, and `nan` / `inf` for non-finite values.
    ///
    /// ```swift
    /// ProgressBar.formatMetric(0.23451)   // "0.2345"
    /// ProgressBar.formatMetric(0.0000123) // "1.230e-05"
    /// ```
    public static func formatMetric(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude < 1e-3 || magnitude >= 1e5) {
            return String(format: "%.3e", value)
        }
        return String(format: "%.4f", value)
    }

    /// Writes an integer with a comma between groups of three digits.
    ///
    /// ```swift
    /// ProgressBar.groupThousands(11200)  // "11,200"
    /// ```
    public static func groupThousands(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    /// Formats seconds as a clock: `m:ss`, or `h:mm:ss` from one hour.
    ///
    /// ```swift
    /// ProgressBar.formatClock(31)    // "0:31"
    /// ProgressBar.formatClock(3725)  // "1:02:05"
    /// ```
    public static func formatClock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let total = Int(max(0, seconds).rounded())
        let hours = total / 3600
        let minutes = (total % 3600) / 60
        let secs = total % 60
        if hours > 0 { return String(format: "%d:%02d:%02d", hours, minutes, secs) }
        return String(format: "%d:%02d", minutes, secs)
    }

    /// Formats an elapsed time: tenths of a second under a minute, else a clock.
    ///
    /// ```swift
    /// ProgressBar.formatElapsed(3.21)  // "3.2s"
    /// ProgressBar.formatElapsed(75)    // "1:15"
    /// ```
    public static func formatElapsed(_ seconds: Double) -> String {
        seconds < 59.95 ? String(format: "%.1fs", max(0, seconds)) : formatClock(seconds)
    }

    /// Formats the time per step in s, ms or us.
    ///
    /// ```swift
    /// ProgressBar.formatStepTime(0.079)  // "79ms/step"
    /// ```
    public static func formatStepTime(_ seconds: Double) -> String {
        if seconds >= 1 { return String(format: "%.2fs/step", seconds) }
        if seconds >= 1e-3 { return "\(Int((seconds * 1e3).rounded()))ms/step" }
        return "\(Int((seconds * 1e6).rounded()))us/step"
    }

    /// Draws the bar itself, `[=====>......]`, with `width` cells inside the brackets.
    ///
    /// ```swift
    /// ProgressBar.bar(fraction: 0.5, width: 10, done: false)  // "[====>.....]"
    /// ```
    public static func bar(fraction: Double, width: Int, done: Bool) -> String {
        let width = max(1, width)
        let filled = done ? width : min(width, Int(Double(width) * min(1, max(0, fraction))))
        var cells = ""
        if filled > 0 {
            cells += String(repeating: "=", count: filled - 1)
            cells += filled == width ? "=" : ">"
        }
        cells += String(repeating: ".", count: width - filled)
        return "[" + cells + "]"
    }
}
