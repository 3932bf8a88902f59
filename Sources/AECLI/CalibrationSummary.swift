// One wording for calibrations on the command line: `train` and `calibrate` print a line,
// `inspect` a block.
import AEModel
import Foundation

/// Text forms of a calibration set.
enum CalibrationSummary {
    /// "calibration mse: 6000 validation_split vectors, median 0.0061, q0.99 0.0253, max 0.081".
    static func line(_ set: CalibrationSet) -> String {
        set.scores.keys.sorted { $0.rawValue > $1.rawValue }.compactMap { kind in
            set[kind].map { c in
                let q = c.quantiles.first { $0.quantile == Calibration.defaultQuantile }?.value ?? c.max
                return String(format: "calibration %@: %d %@ vectors, median %.6g, q0.99 %.6g, max %.6g", kind.rawValue,
                              c.count, c.source.kind, c.quantiles[0].value, q, c.max)
            }
        }.joined(separator: "\n")
    }

    /// The lines `inspect` prints under "calibration".
    static func block(_ set: CalibrationSet) -> [String] {
        var lines: [String] = []
        for kind in set.scores.keys.sorted(by: { $0.rawValue > $1.rawValue }) {
            guard let c = set[kind] else { continue }
            var source = "\(c.source.kind)"
            if let dataset = c.source.dataset { source += " of \(dataset)" }
            if let fraction = c.source.fraction { source += ", fraction \(fraction)" }
            if let seed = c.source.seed { source += ", seed \(seed)" }
            if let classes = c.source.classes { source += ", classes \(classes.map(String.init).joined(separator: ","))" }
            lines.append("  \(kind.rawValue): \(c.count) vectors (\(source))")
            if let elbo = c.elbo {
                lines.append("    elbo     samples \(elbo.samples), seed \(elbo.seed), beta \(elbo.beta), loss \(elbo.loss.rawValue)")
            }
            let quantiles = c.quantiles.map { String(format: "q%g %.6g", $0.quantile, $0.value) }.joined(separator: "  ")
            lines.append("    " + quantiles + String(format: "  max %.6g", c.max))
        }
        return lines
    }
}
