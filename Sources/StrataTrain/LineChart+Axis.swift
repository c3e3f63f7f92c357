import Foundation

extension LineChart {
    /// One axis: its data domain, tick positions and tick labels.
    struct Axis {
        var lower: Double
        var upper: Double
        var ticks: [Double]
        var labels: [String]

        /// Maps a data value onto the pixel range `start...end` (end may be smaller).
        func position(_ value: Double, start: Double, end: Double) -> Double {
            start + (value - lower) / (upper - lower) * (end - start)
        }

        /// Builds an axis over `values` with rounded ticks (1, 2 or 5 times a
        /// power of ten), about `targetCount` of them; the domain is the data
        /// range widened by `padding` of its span on each side.
        ///
        /// When `labelRoom` (pixels along the axis) is given, the tick count
        /// shrinks until the labels, `fontSize` pixels high, fit side by side.
        static func make(values: [Double], targetCount: Int, padding: Double,
                         integer: Bool, labelRoom: Double? = nil, fontSize: Double = 11) -> Axis {
            let finite = values.filter(\.isFinite)
            var lower = finite.min() ?? 0
            var upper = finite.max() ?? 1
            if upper - lower <= abs(upper) * 1e-12 {
                // A single value: centre it in a small range.
                let half = integer ? 0.5 : (upper == 0 ? 1 : abs(upper) * 0.1)
                lower -= half
                upper += half
            } else {
                let pad = (upper - lower) * padding
                lower -= pad
                upper += pad
            }
            var count = max(2, targetCount)
            while true {
                let step = niceStep(span: upper - lower, targetCount: count, integer: integer)
                let ticks = tickValues(lower: lower, upper: upper, step: step)
                let labels = tickLabels(ticks, step: step)
                let widest = labels.map { textWidth($0, fontSize: fontSize) }.max() ?? 0
                let fits = labelRoom.map { Double(labels.count) * (widest + fontSize) <= $0 } ?? true
                if fits || count <= 2 {
                    return Axis(lower: lower, upper: upper, ticks: ticks, labels: labels)
                }
                count -= 1
            }
        }

        /// A round tick spacing near `span / targetCount`; at least 1 for integer axes.
        static func niceStep(span: Double, targetCount: Int, integer: Bool) -> Double {
            let raw = span / Double(max(1, targetCount))
            let magnitude = pow(10, (log10(raw)).rounded(.down))
            let residual = raw / magnitude
            let nice: Double = residual < 1.5 ? 1 : residual < 3 ? 2 : residual < 7 ? 5 : 10
            let step = nice * magnitude
            return integer ? max(1, step.rounded()) : step
        }

        /// Multiples of `step` inside `lower...upper`.
        static func tickValues(lower: Double, upper: Double, step: Double) -> [Double] {
            let first = (lower / step - 1e-9).rounded(.up)
            let last = (upper / step + 1e-9).rounded(.down)
            guard first <= last else { return [] }
            return stride(from: first, through: last, by: 1).map { index in
                let value = index * step
                return abs(value) < step * 1e-9 ? 0 : value  // no "-0"
            }
        }

        /// Labels with just enough decimals to tell neighbouring ticks apart:
        /// `0.25`, `10`, `12k`, `1.5M`, or `1.2e-05` for tiny values.
        static func tickLabels(_ ticks: [Double], step: Double) -> [String] {
            let largest = ticks.map(abs).max() ?? 0
            let stepExponent = Int((log10(step) + 1e-9).rounded(.down))
            if largest >= 1e6 {
                let decimals = max(0, 6 - stepExponent)
                return ticks.map { $0 == 0 ? "0" : String(format: "%.\(decimals)fM", $0 / 1e6) }
            }
            if largest >= 1e4 {
                let decimals = max(0, 3 - stepExponent)
                return ticks.map { $0 == 0 ? "0" : String(format: "%.\(decimals)fk", $0 / 1e3) }
            }
            if stepExponent < -4 {
                let largestExponent = Int(log10(max(largest, step)).rounded(.down))
                let decimals = max(0, largestExponent - stepExponent)
                return ticks.map { $0 == 0 ? "0" : String(format: "%.\(decimals)e", $0) }
            }
            let decimals = max(0, -stepExponent)
            return ticks.map { String(format: "%.\(decimals)f", $0) }
        }
    }

    /// A rough width in pixels of `text` in a proportional sans-serif font.
    static func textWidth(_ text: String, fontSize: Double) -> Double {
        Double(text.count) * fontSize * 0.62
    }
}
