/// Which way a chunk of bytes went on the connection.
public enum CaptureDirection: String, Sendable, Hashable {
    /// Read from the server.
    case inbound = "in"
    /// Written to the server.
    case outbound = "out"
}

/// A time since the start of the recording, kept in whole microseconds so it
/// survives a write/read round trip exactly.
public struct CaptureTimeOffset: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since the recording started (never negative).
    public var microseconds: Int64

    /// Creates an offset of `microseconds`.
    public init(microseconds: Int64) {
        self.microseconds = max(0, microseconds)
    }

    /// The offset in seconds.
    public var seconds: Double { Double(microseconds) / 1_000_000 }

    /// Seconds with exactly six decimals, as written to capture files: `12.000250`.
    public var description: String {
        let fraction = String(microseconds % 1_000_000)
        return "\(microseconds / 1_000_000).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)"
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.microseconds < rhs.microseconds }
}

/// The first record of every capture file: what was recorded, and how.
public struct CaptureHeader: Sendable, Hashable {
    /// The capture format version this code writes and reads.
    public static let currentVersion = 1
    /// The value of the header's `format` field, which identifies a capture file.
    public static let formatName = "gatewayctl-capture"

    /// The format version of the file.
    public var version: Int
    /// The program that wrote the file, e.g. `gatewayctl 0.1.0`.
    public var tool: String
    /// The gateway URL of the first connection, with its query.
    public var url: String
    /// The payload encoding negotiated in the URL.
    public var encoding: WireEncoding
    /// The compression negotiated in the URL (or payload compression from IDENTIFY).
    public var compression: WireCompression
    /// When recording started, as ISO 8601 in UTC (`2025-01-31T12:00:00.000Z`).
    public var started: String

    /// Creates a header for the current format version.
    public init(
        tool: String, url: String, encoding: WireEncoding, compression: WireCompression, started: String,
        version: Int = CaptureHeader.currentVersion
    ) {
        self.version = version
        self.tool = tool
        self.url = url
        self.encoding = encoding
        self.compression = compression
        self.started = started
    }
}

/// Bytes exactly as one `read` returned them from the connection, or as one
/// `write` sent them (outbound only for bytes that carry no secret, such as the
/// upgrade request; outbound gateway payloads are ``CaptureSent`` records).
public struct CaptureChunk: Sendable, Hashable {
    /// Which way the bytes went.
    public var direction: CaptureDirection
    /// When, since the start of the recording.
    public var time: CaptureTimeOffset
    /// The connection number: 1 for the first, +1 for each reconnect.
    public var connection: Int
    /// The bytes.
    public var bytes: [UInt8]

    /// Creates a chunk record.
    public init(direction: CaptureDirection, time: CaptureTimeOffset, connection: Int, bytes: [UInt8]) {
        self.direction = direction
        self.time = time
        self.connection = connection
        self.bytes = bytes
    }
}

/// A gateway payload the client sent, as JSON text with secrets redacted.
public struct CaptureSent: Sendable, Hashable {
    /// When, since the start of the recording.
    public var time: CaptureTimeOffset
    /// The connection it was sent on.
    public var connection: Int
    /// The payload as one JSON value, in UTF-8, exactly as it appears in the file.
    public var payloadJSON: [UInt8]

    /// Creates a sent-payload record.
    public init(time: CaptureTimeOffset, connection: Int, payloadJSON: [UInt8]) {
        self.time = time
        self.connection = connection
        self.payloadJSON = payloadJSON
    }
}

/// A connection boundary, so a reader can tell reconnects apart.
public struct CaptureConnectionEvent: Sendable, Hashable {
    /// What happened.
    public enum Kind: String, Sendable, Hashable {
        /// A new connection started (before its first byte).
        case connect
        /// A connection ended (after its last byte).
        case disconnect
    }

    /// What happened.
    public var kind: Kind
    /// When, since the start of the recording.
    public var time: CaptureTimeOffset
    /// The connection it concerns.
    public var connection: Int
    /// For `connect`, the URL connected to; for `disconnect`, why (free text); optional.
    public var detail: String?

    /// Creates a connection-boundary record.
    public init(kind: Kind, time: CaptureTimeOffset, connection: Int, detail: String? = nil) {
        self.kind = kind
        self.time = time
        self.connection = connection
        self.detail = detail
    }
}

/// One line of a capture file.
public enum CaptureRecord: Sendable, Hashable {
    /// The header; always the first line and only there.
    case header(CaptureHeader)
    /// Bytes read or written.
    case chunk(CaptureChunk)
    /// A payload the client sent.
    case sent(CaptureSent)
    /// A connection boundary.
    case connectionEvent(CaptureConnectionEvent)
    /// Bytes `gatewayctl proxy` read from the upstream gateway for a bot's connection (always
    /// inbound); that connection's `chunk` records are what the bot received. Readers that do not
    /// know the record skip it, so the bot's view replays unchanged.
    case upstreamChunk(CaptureChunk)
}
