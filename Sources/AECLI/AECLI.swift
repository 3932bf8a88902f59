import ArgumentParser

/// The `aeserve` root command.
public struct AEServeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "aeserve",
        abstract: "Train and serve autoencoders.")
    public init() {}
}
