// The `aeserve` root command and the process entry point that maps errors to exit codes.
import AEData
import AEService
import AEMath
import AEModel
import ArgumentParser
import Foundation

/// The `aeserve` root command.
public struct AEServeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "aeserve",
        abstract: "Train and serve autoencoders.",
        discussion: "Models live in <models>/<name>/<version>/model.safetensors; see 'aeserve <command> --help'.",
        version: Service.version,
        subcommands: [ServeCommand.self, TrainCommand.self, InspectCommand.self, EncodeCommand.self, ReconstructCommand.self,
                      CalibrateCommand.self, ScoreCommand.self, BenchCommand.self, TrainWorkerCommand.self])

    public init() {}

    /// The `--help` text of the subcommand called `name`, or nil for an unknown name.
    public static func subcommandHelp(_ name: String) -> String? {
        configuration.subcommands.first { $0.configuration.commandName == name }
            .map { helpMessage(for: $0) }
    }

    /// Parses `arguments` (without the program name), runs the command and returns the exit
    /// code: 0 success, 1 a failure while running, 2 bad arguments (one line saying what to do).
    public static func run(_ arguments: [String]) async -> Int32 {
        var command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))   // --help, --version
                return 0
            }
            let subcommand = arguments.first { !$0.hasPrefix("-") }.map { " \($0)" } ?? ""
            let message = Self.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            FileHandle.standardError.write(Data("error: \(message) (see 'aeserve\(subcommand) --help')\n".utf8))
            return 2
        }
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch where exitCode(for: error) == .success {
            // --help and --version arrive as errors from the parsed command's run().
            print(fullMessage(for: error))
            return 0
        } catch let error as ExitCode {
            return error.rawValue
        } catch let error as ValidationError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            return 2
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            return 1
        }
    }
}

extension OptimizerKind: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
extension DatasetFormat: ExpressibleByArgument {}
extension DatasetWriter.Format: ExpressibleByArgument {}
extension ScoreKind: ExpressibleByArgument {}
