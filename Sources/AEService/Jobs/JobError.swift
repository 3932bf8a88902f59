// Why the job queue refused or could not do what was asked. Job code knows nothing of HTTP:
// the endpoint layer maps each case to a status.

/// A refusal or failure of the job queue, with a message a user can act on.
public enum JobError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The request breaks the contract; `code` is stable (`invalid_architecture`, …).
    case invalid(code: String, message: String)
    /// A dataset path that leaves the data roots.
    case pathRefused(String)
    /// No job with that id.
    case unknownJob(id: String)
    /// The request conflicts with the job's state or an earlier request; `code` is stable.
    case conflict(code: String, message: String)
    /// The queue holds as many jobs as it may.
    case queueFull(String)
    /// The job could not be stored.
    case storage(String)

    public var description: String {
        switch self {
        case .invalid(_, let message), .pathRefused(let message), .conflict(_, let message),
             .queueFull(let message), .storage(let message):
            return message
        case .unknownJob(let id):
            return "no training job '\(id)'"
        }
    }
}
