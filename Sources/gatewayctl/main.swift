import GatewayCLI

// Parse, run, and exit with the documented status for whatever happened.
Gatewayctl.runAndExit(arguments: Array(CommandLine.arguments.dropFirst()))
