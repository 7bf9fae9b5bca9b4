/// Why compressed input could not be turned back into payload bytes.
public struct DecompressionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public enum Kind: String, Sendable, Hashable {
        /// The zlib stream is corrupt (bad header, bad block, bad checksum).
        case corruptZlib
        /// A zlib stream ended before its final block.
        case truncatedZlib
        /// Bytes followed the end of a complete zlib stream.
        case trailingData
        /// The zstd decoder reported an error.
        case corruptZstd
        /// A zstd-stream message ended inside a block: it was cut short.
        case truncatedZstd
        /// A text message arrived on a connection whose transport compression needs binary messages.
        case unexpectedTextMessage
        /// The decompressor failed earlier on this connection and must be reset before further use.
        case unusableAfterError
        /// The decompressed payload would exceed the configured cap.
        case limitExceeded
        /// The zstd library could not be loaded at run time.
        case zstdUnavailable
        /// A decompression library failed in a way unrelated to the input (e.g. out of memory).
        case libraryFailure
    }

    /// What went wrong.
    public var kind: Kind
    /// A human-readable explanation naming the failing layer and detail.
    public var message: String
    /// Byte offset in the compressed input where the failure was noticed, when known.
    ///
    /// For the stream decompressors this counts from the start of the connection's
    /// compressed stream (all messages so far); for a standalone stream, from its first byte.
    public var offset: Int?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, offset: Int? = nil) {
        self.kind = kind
        self.message = message
        self.offset = offset
    }

    public var description: String {
        if let offset { return "\(message) (at compressed byte \(offset))" }
        return message
    }
}
