/// Why a capture file could not be read or written.
public struct CaptureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public enum Kind: String, Sendable, Hashable {
        /// The first line is not a capture header: this is not a capture file.
        case notACapture
        /// The header announces a format version this program does not read.
        case unsupportedVersion
        /// A line is not valid JSON, or a record lacks a field or has a bad value.
        case malformedRecord
        /// A line is longer than the reader accepts.
        case recordTooLong
        /// A record handed to the writer cannot be written (a caller bug).
        case invalidRecord
        /// Reading or writing the file failed; see ``CaptureError/underlying``.
        case io
        /// A pcap or pcapng file is cut short or has a malformed header, block or packet.
        case corruptPacketCapture
        /// A pcap or pcapng file holds only packets of link types this reader does not decode.
        case unsupportedLinkType
        /// A pcap or pcapng file holds no TCP connection that carries a WebSocket upgrade.
        case noWebSocketConnection
        /// A pcap or pcapng file carries more TCP payload than the reader holds in memory.
        case packetCaptureTooLarge
    }

    /// What went wrong.
    public var kind: Kind
    /// A human-readable explanation naming the record and field.
    public var message: String
    /// The 1-based line of the record, when reading.
    public var line: Int?
    /// The byte offset in the file where the fault was found, when reading.
    public var offset: Int?
    /// The I/O failure, for ``Kind/io``.
    public var underlying: InputError?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, line: Int? = nil, offset: Int? = nil, underlying: InputError? = nil) {
        self.kind = kind
        self.message = message
        self.line = line
        self.offset = offset
        self.underlying = underlying
    }

    init(_ error: InputError) {
        self.init(.io, error.description, underlying: error)
    }

    public var description: String {
        switch (line, offset) {
        case (let line?, let offset?): return "line \(line) (byte \(offset)): \(message)"
        case (let line?, nil): return "line \(line): \(message)"
        case (nil, let offset?): return "byte \(offset): \(message)"
        case (nil, nil): return message
        }
    }
}

/// A problem a reader can recover from: the records before it are good.
public struct CaptureWarning: Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line the warning is about.
    public var line: Int
    /// The byte offset where that line starts.
    public var offset: Int
    /// A human-readable explanation.
    public var message: String

    /// Creates a warning.
    public init(line: Int, offset: Int, message: String) {
        self.line = line
        self.offset = offset
        self.message = message
    }

    public var description: String { "line \(line) (byte \(offset)): \(message)" }
}
