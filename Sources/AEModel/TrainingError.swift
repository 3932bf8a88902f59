// Why a training run stopped without a model.

/// A training run's failure, with a message a user can act on.
public enum TrainingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// An option is out of range.
    case invalidOptions(String)
    /// The data does not fit the model.
    case invalidData(String)
    /// The loss became NaN or infinite.
    case diverged(epoch: Int, batch: Int, loss: Double)
    /// Cancelled between batches; `completedEpochs` epochs are in the saved state.
    case cancelled(completedEpochs: Int)

    /// The user-facing message.
    public var description: String {
        switch self {
        case .invalidOptions(let message), .invalidData(let message):
            return message
        case .diverged(let epoch, let batch, let loss):
            return """
                training diverged: the loss or its gradient became non-finite (loss \(loss)) in epoch \(epoch), batch \(batch); \
                lower learning_rate, set clip_norm, or check the data for extreme values
                """
        case .cancelled(let completed):
            return "training was cancelled after \(completed) completed epoch(s)"
        }
    }
}
