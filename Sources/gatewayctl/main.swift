import GatewayCLI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Parse, run, and turn any error into its documented exit status.
do {
    var command = try Gatewayctl.parseAsRoot()
    try command.run()
} catch {
    if error is any ExitStatusReporting || error is CancellationError {
        let message = String(describing: error)
        fputs("gatewayctl: \(message)\n", stderr)
        exit(ExitStatus(for: error).rawValue)
    }
    // Usage errors, --help and --version: the parser knows their text and status.
    let parserStatus = Gatewayctl.exitCode(for: error).rawValue
    if parserStatus == 0 || parserStatus == ExitStatus.usage.rawValue {
        Gatewayctl.exit(withError: error)
    }
    fputs("gatewayctl: internal error: \(Gatewayctl.message(for: error))\n", stderr)
    exit(ExitStatus.internalError.rawValue)
}
