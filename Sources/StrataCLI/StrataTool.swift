import ArgumentParser
import Foundation
import Strata

/// The `strata` command-line tool.
public struct StrataTool: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Strata: build, train and run neural networks in Swift.",
        version: strataVersion,
        subcommands: [InfoCommand.self, TrainCommand.self, EvaluateCommand.self, PredictCommand.self, BenchCommand.self,
                      TokenizeCommand.self, GenerateCommand.self, PerplexityCommand.self, EmbedCommand.self, RecommendCommand.self,
                      CollectivesCheckCommand.self, PredictRatingCommand.self, ServeCommand.self,
                      QuantizeCommand.self, PruneCommand.self, DistillCommand.self]
    )
    public init() {}
}

/// A failure to report to the user: printed as one line, exit status 1, no stack dump.
struct UserFacingError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
