import AECLI
import ArgumentParser
import Testing

@Suite("--help of every subcommand")
struct HelpTests {
    @Test("train --help documents every option")
    func train() {
        let help = AEServeCommand.subcommandHelp("train") ?? ""
        for option in ["--architecture", "--preset", "--base", "--dataset", "--format", "--limit", "--test-set", "--epochs",
                       "--batch-size", "--optimizer", "--learning-rate", "--loss", "--seed", "--validation-split", "--noise",
                       "--beta", "--clip-norm", "--patience", "--weight-decay", "--threads", "--state-file", "--out",
                       "--labels", "--label-column", "--classes"] {
            #expect(help.contains(option), "train --help lacks \(option)")
        }
        #expect(help.contains("Example:"))
    }

    @Test("every subcommand's help names its options with a sentence each",
          arguments: ["inspect", "encode", "reconstruct", "calibrate", "score"])
    func others(name: String) throws {
        let help = try #require(AEServeCommand.subcommandHelp(name))
        let expected: [String: [String]] = [
            "inspect": ["<path>", "--architecture", "--preset", "--json"],
            "encode": ["--model", "--input", "--format", "--limit", "--output", "--output-format"],
            "reconstruct": ["--model", "--input", "--format", "--limit", "--output", "--output-format"],
            "calibrate": ["<model>", "--dataset", "--format", "--limit", "--labels", "--label-column", "--classes",
                          "--validation-split", "--seed", "--scores", "--samples", "--beta", "--loss"],
            "score": ["--model", "--dataset", "--format", "--limit", "--labels", "--label-column", "--normal-classes", "--score",
                      "--threshold-quantile", "--threshold", "--samples", "--seed", "--output", "--json"],
        ]
        for option in expected[name] ?? [] { #expect(help.contains(option), "\(name) --help lacks \(option)") }
        #expect(help.contains("Example"))
    }

    @Test("serve --help documents --model-name and --model-base-path; each alone, or beside --models, is refused with what to do",
          arguments: [(["--model-name", "m"], "together"), (["--model-base-path", "/mnt/models"], "together"),
                      (["--model-name", "m", "--model-base-path", "/mnt/models", "--models", "models"], "not both")])
    func serveModelBasePath(arguments: [String], message: String) throws {
        let help = try #require(AEServeCommand.subcommandHelp("serve"))
        for option in ["--model-name", "--model-base-path", "--models", "--poll-interval"] {
            #expect(help.contains(option), "serve --help lacks \(option)")
        }
        let result = try aeserve(["serve"] + arguments)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(message) && result.stderr.contains("--model-base-path"), "\(result.stderr)")
    }

    @Test("the binary prints help and exits 0 for --help on the root and every subcommand",
          arguments: [[], ["train"], ["inspect"], ["encode"], ["reconstruct"], ["calibrate"], ["score"]])
    func binaryHelp(prefix: [String]) throws {
        let result = try aeserve(prefix + ["--help"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("USAGE: aeserve"))
        #expect(result.stderr.isEmpty)
    }

    @Test("--version prints the version GET /v2 reports")
    func version() throws {
        let result = try aeserve(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }

    @Test("the root help lists the subcommands")
    func root() {
        let help = AEServeCommand.helpMessage()
        for name in ["train", "inspect", "encode", "reconstruct", "calibrate", "score"] { #expect(help.contains(name)) }
    }
}
