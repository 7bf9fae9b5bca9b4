/// Why `gatewayctl connect` could not start or had to stop, with the exit status that tells cases apart.
///
/// Messages never contain the token: they name the environment variable it comes from instead.
public struct ConnectError: Error, Sendable, Hashable, CustomStringConvertible, ExitStatusReporting {
    /// What went wrong.
    public enum Kind: String, Sendable, Hashable {
        /// The token variable is missing or empty.
        case missingToken
        /// An option cannot work (intents, shard, CA file, presence).
        case invalidOption
        /// The TCP connection or the TLS handshake failed, a wait expired, or the server went away.
        case unreachable
        /// The server refused the WebSocket upgrade.
        case upgradeRejected
        /// The server broke the WebSocket or gateway protocol.
        case protocolViolation
        /// Discord closed with a code that forbids reconnecting (4004, 4010-4014).
        case fatalCloseCode
        /// Writing the recording failed.
        case recordingFailed
        /// Ctrl-C.
        case interrupted
        /// A bug: an error nobody classified.
        case internalFailure
    }

    /// What went wrong.
    public var kind: Kind
    /// What happened and what to do about it.
    public var message: String
    /// The status the process ends with.
    public var exitStatus: ProcessExitStatus

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, exitStatus: ProcessExitStatus) {
        self.kind = kind
        self.message = message
        self.exitStatus = exitStatus
    }

    public var description: String { message }
}
