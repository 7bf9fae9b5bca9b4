/// Why a replay stopped early.
public struct ReplayError: Error, Sendable, Hashable, CustomStringConvertible, ExitStatusReporting {
    /// What went wrong, as a stable code.
    public enum Kind: String, Sendable, Hashable {
        /// The input's bytes break the WebSocket protocol, the handshake, or end inside a frame.
        case corruptInput
        /// A message could not be decompressed or decoded.
        case undecodablePayload
        /// The options cannot work for this input (e.g. an unsupported compression).
        case unusableOptions
    }

    /// What went wrong.
    public var kind: Kind
    /// What and where, in words.
    public var message: String
    /// The offset in the input file of the fault, when it maps to one.
    public var offset: Int?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, offset: Int? = nil) {
        self.kind = kind
        self.message = message
        self.offset = offset
    }

    public var description: String {
        (offset.map { "byte \($0): " } ?? "") + message
    }

    public var exitStatus: ProcessExitStatus {
        switch kind {
        case .corruptInput, .undecodablePayload: .dataError
        case .unusableOptions: .usage
        }
    }
}
