// `aeserve train-worker`: the hidden subcommand the server starts, one process per running
// training job. People never run it; it is the same binary so that a worker always matches
// the server that started it.
import AETraining
import ArgumentParser

/// Runs one training job for the server that started it (hidden).
struct TrainWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-worker",
        abstract: "Run one training job for the server that started this process (internal).",
        shouldDisplay: false)

    @Option(help: "The job's assignment file, written by the server.")
    var assignment: String

    func run() throws {
        let status = TrainingWorker.main(assignmentPath: assignment)
        if status != .success { throw ExitCode(status.rawValue) }
    }
}
