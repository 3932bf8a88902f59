// Training progress for people: a live bar on a terminal, one plain line per epoch otherwise.
import AEModel
import Foundation

/// Prints training progress to standard error.
final class ProgressDisplay {
    private let interactive: Bool
    private var lastDraw = DispatchTime.now()
    private let start = DispatchTime.now()

    /// A display that draws a live bar when standard error is a terminal.
    init(interactive: Bool = isatty(STDERR_FILENO) == 1) {
        self.interactive = interactive
    }

    /// Redraws the bar (at most ten times a second).
    func batch(_ p: BatchProgress, samplesPerEpoch: Int) {
        guard interactive else { return }
        let now = DispatchTime.now()
        guard p.batch == p.batches || now.uptimeNanoseconds - lastDraw.uptimeNanoseconds > 100_000_000 else { return }
        lastDraw = now
        let fraction = Double(p.batch) / Double(max(p.batches, 1))
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "")
            + String(repeating: " ", count: max(0, width - filled - 1))
        let remaining = Double(p.epochs - p.epoch) + (1 - fraction)
        let eta = remaining * Double(samplesPerEpoch) / max(p.samplesPerSecond, 1)
        let line = String(format: "\repoch %d/%d [%@] loss %.5f  %.0f samples/s  ETA %@ ",
                          p.epoch, p.epochs, bar, p.runningLoss, p.samplesPerSecond, Self.duration(eta))
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Prints the finished epoch's line.
    func epoch(_ record: EpochRecord, of epochs: Int) {
        let validation = record.validationLoss.map { String(format: "  validation %.5f", $0) } ?? ""
        let remaining = Double(epochs - record.epoch) * record.seconds
        let line = String(format: "epoch %d/%d  loss %.5f%@  %.0f samples/s  %.1fs  ETA %@",
                          record.epoch, epochs, record.trainLoss, validation, record.samplesPerSecond,
                          record.seconds, Self.duration(remaining))
        FileHandle.standardError.write(Data(((interactive ? "\r\u{1B}[K" : "") + line + "\n").utf8))
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
