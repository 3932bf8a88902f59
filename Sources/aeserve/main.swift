import AECLI

await AEServeCommand.main()
