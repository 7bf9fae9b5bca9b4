/// How gateway payloads are encoded on a connection (`encoding=` in the URL).
public enum WireEncoding: String, Sendable, Hashable, CaseIterable {
    /// JSON text.
    case json
    /// Erlang External Term Format.
    case etf
}

/// How gateway messages are compressed on a connection.
public enum WireCompression: String, Sendable, Hashable, CaseIterable {
    /// No compression.
    case none
    /// Payload compression: some binary messages hold one complete zlib stream each.
    case payload
    /// `compress=zlib-stream`: one zlib stream for the whole connection, flushed per payload.
    case zlibStream = "zlib-stream"
    /// `compress=zstd-stream`: one zstd stream for the whole connection.
    case zstdStream = "zstd-stream"
}
