/// How a gateway connection compresses what the server sends.
///
/// The first three are transport compression (the `compress` query parameter of the
/// gateway URL); ``payload`` is payload compression (`compress: true` in IDENTIFY),
/// where some binary messages each hold one complete zlib stream and text messages
/// stay plain. The two are never combined, and the client never sends compressed data.
public enum GatewayCompression: String, Sendable, Hashable, CaseIterable {
    /// No compression: every message is a payload as it stands.
    case none
    /// One zlib stream for the whole connection; each payload ends with `00 00 ff ff`.
    case zlibStream = "zlib-stream"
    /// One zstd frame for the whole connection, flushed (never ended) after each payload.
    case zstdStream = "zstd-stream"
    /// Per-message compression: a binary message is one complete zlib stream.
    case payload
}
