import Testing
@testable import AECLI

@Suite struct BenchCommandTests {
    @Test("bench --help lists every option with its help")
    func helpListsEveryOption() {
        let help = AEServeCommand.helpMessage(for: BenchCommand.self)
        for option in ["--only", "--json", "--threads", "--model", "--dataset", "--train-samples", "--epochs", "--seconds", "--batches"] {
            #expect(help.contains(option), "bench --help does not mention \(option)")
        }
        for item in BenchItem.allCases { #expect(help.contains(item.rawValue)) }
    }

    @Test("no arguments measure everything on 2 threads with the documented defaults")
    func defaults() throws {
        let command = try BenchCommand.parse([])
        #expect(command.only == nil)
        #expect(!command.json)
        #expect(command.threads == 2)
        #expect(command.model == nil)
        #expect(command.trainSamples == 10240)
        #expect(command.epochs == 4)
        #expect(command.seconds == 1)
        #expect(command.batches == [1, 32, 1024])
    }

    @Test("every option is parsed into its field")
    func optionsAreParsed() throws {
        let command = try BenchCommand.parse([
            "--only", "reconstruct", "--json", "--threads", "1", "--model", "models/fashion-mnist",
            "--train-samples", "60000", "--epochs", "1", "--seconds", "0.5", "--batches", "1, 2,8",
        ])
        #expect(command.only == .reconstruct)
        #expect(command.json)
        #expect(command.threads == 1)
        #expect(command.model == "models/fashion-mnist")
        #expect(command.trainSamples == 60000)
        #expect(command.epochs == 1)
        #expect(command.seconds == 0.5)
        #expect(command.batches == [1, 2, 8])
    }

    @Test("an unknown --only item is refused")
    func unknownItemIsRefused() {
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--only", "http"]) }
    }

    @Test("non-positive counts and durations are refused with the option's name")
    func badNumbersAreRefused() {
        for (arguments, option) in [(["--threads", "0"], "--threads"), (["--train-samples", "0"], "--train-samples"),
                                    (["--epochs", "0"], "--epochs"), (["--seconds", "0"], "--seconds"),
                                    (["--batches", "4,0"], "--batches"), (["--batches", "1,x"], "--batches"),
                                    (["--batches", "1,,2"], "--batches")] {
            do {
                _ = try BenchCommand.parse(arguments)
                Issue.record("\(arguments) was accepted")
            } catch {
                #expect(BenchCommand.message(for: error).contains(option))
            }
        }
    }

    @Test("the root command lists bench among its subcommands")
    func rootListsBench() {
        #expect(AEServeCommand.helpMessage().contains("bench"))
    }
}
