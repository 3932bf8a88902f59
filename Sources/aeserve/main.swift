import AECLI
import Foundation

exit(AEServeCommand.run(Array(CommandLine.arguments.dropFirst())))
