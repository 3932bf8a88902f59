import AECLI
import Foundation

exit(await AEServeCommand.run(Array(CommandLine.arguments.dropFirst())))
