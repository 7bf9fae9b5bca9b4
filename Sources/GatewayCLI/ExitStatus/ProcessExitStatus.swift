/// The exit statuses `gatewayctl` uses, from BSD `sysexits.h`, in one place.
///
/// Scripts branch on these, so they are part of the command-line interface:
/// a value never changes meaning once released.
public enum ProcessExitStatus: Int32, Sendable, Hashable, CaseIterable {
    /// 0: everything worked, and the command stopped because it was asked to (`--max-events`,
    /// `--duration`, a clean handshake).
    case ok = 0
    /// 1: `serve`: a scenario check failed (the bot did not do what Discord expects of it).
    case checkFailed = 1
    /// 64 (`EX_USAGE`): the command line was wrong (unknown flag, bad option value).
    case usage = 64
    /// 65 (`EX_DATAERR`): the input was corrupt or truncated: a bad capture
    /// record, undecodable frame bytes, malformed hex.
    case dataError = 65
    /// 66 (`EX_NOINPUT`): an input file does not exist or cannot be opened.
    case noInput = 66
    /// 69 (`EX_UNAVAILABLE`): the server could not be reached, did not answer in time, refused the
    /// WebSocket upgrade, failed TLS, dropped the connection, stopped acknowledging heartbeats, or
    /// ended the session (with `--no-reconnect`).
    case unavailable = 69
    /// 70 (`EX_SOFTWARE`): a bug in `gatewayctl` itself; any error nobody classified lands here.
    case internalError = 70
    /// 73 (`EX_CANTCREAT`): an output file cannot be created: `export`'s output exists (without
    /// `--force`), or its directory does not allow it.
    case cannotCreate = 73
    /// 74 (`EX_IOERR`): reading or writing a file or the network failed part-way.
    case ioError = 74
    /// 76 (`EX_PROTOCOL`): the server broke the WebSocket or gateway protocol: a wrong accept
    /// value or missing upgrade headers, a malformed frame, an undecodable or oversized payload,
    /// no HELLO in time, no answer to our close.
    case protocolError = 76
    /// 77 (`EX_NOPERM`): Discord rejected the token (close code 4004).
    case authenticationFailed = 77
    /// 78 (`EX_CONFIG`): the configuration cannot work: no token, or Discord
    /// closed with 4010–4014 (shard, API version or intents).
    case configuration = 78
    /// 130: interrupted by SIGINT (128 + 2), as shells report it.
    case interrupted = 130
    /// 143: stopped by SIGTERM (128 + 15), after the same clean stop as Ctrl-C.
    case terminated = 143

    /// The status for a session that ended with gateway close `code`, or `nil`
    /// when the code is not a configuration or authentication problem.
    ///
    /// Only the codes after which Discord says not to reconnect have a status
    /// of their own: retrying with the same settings cannot help, so the
    /// operator has to act.
    public static func forCloseCode(_ code: Int) -> ProcessExitStatus? {
        switch code {
        case 4004: return .authenticationFailed
        case 4010...4014: return .configuration
        default: return nil
        }
    }

    /// The status for any error thrown by a command.
    ///
    /// Errors that know their status (``ExitStatusReporting``) say so;
    /// cancellation is an interrupt; everything else is an internal error.
    /// Argument-parser errors (usage, `--help`) are left to the caller, which
    /// asks the parser about them first.
    public init(for error: any Error) {
        if let reporting = error as? any ExitStatusReporting {
            self = reporting.exitStatus
        } else if error is CancellationError {
            self = .interrupted
        } else {
            self = .internalError
        }
    }
}

/// An error that knows which exit status it should end the process with.
public protocol ExitStatusReporting: Error {
    /// The status `gatewayctl` exits with when this error ends a command.
    var exitStatus: ProcessExitStatus { get }
}
