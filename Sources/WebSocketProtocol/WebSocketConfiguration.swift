/// Limits and options of a ``WebSocketClient`` or ``WebSocketServer`` (and of ``WebSocketFrameParser``).
public struct WebSocketConfiguration: Sendable, Hashable {
    /// Largest frame payload accepted, in bytes; larger is close code 1009.
    /// Default 64 MiB: Discord's READY and GUILD_CREATE payloads run to many
    /// megabytes, and a small limit here is a known failure story.
    public var maxFrameSize: Int
    /// Largest message (all fragments together) accepted, in bytes; larger is
    /// close code 1009. Default 64 MiB, for the same reason.
    public var maxMessageSize: Int
    /// Also emit a ``WebSocketEvent/frame(_:)`` event for every frame header,
    /// for an inspector that prints each frame. Default false.
    public var reportsFrames: Bool
    /// Largest HTTP response header block accepted during the handshake.
    /// Default 64 KiB (proxies and CDNs add many headers, but never this many).
    public var maxHandshakeResponseHeaderSize: Int
    /// Most bytes of a rejection's body kept; the rest is dropped and the
    /// rejection marked truncated. Default 64 KiB.
    public var maxRejectionBodySize: Int
    /// Largest HTTP request header block a ``WebSocketServer`` accepts, request line
    /// included; longer is refused with 400. Default 16 KiB: an upgrade request carries
    /// a handful of short headers, and a server should not buffer much for a stranger.
    public var maxHandshakeRequestHeaderSize: Int
    /// Whether `Sec-WebSocket-Accept` must match the request's key. Default true.
    ///
    /// Turn it off only to replay a captured response whose request key is
    /// unknown: the header must still be present exactly once.
    public var verifiesAcceptValue: Bool
    /// Whether the client checks that every text message is UTF-8 (RFC 6455 §8.1).
    /// Default true; a ``WebSocketServer`` always checks.
    ///
    /// Within this package, a layer that validates each whole text message anyway
    /// (the gateway's JSON scan) turns it off to avoid a second pass over every byte.
    /// It must then call ``WebSocketClient/failIfNotUTF8(_:using:)`` whenever it
    /// cannot accept a text message, so that invalid UTF-8 still fails the
    /// connection with 1007.
    package var validatesTextMessages = true

    /// Creates a configuration; every argument defaults to the documented value.
    public init(
        maxFrameSize: Int = 64 << 20,
        maxMessageSize: Int = 64 << 20,
        reportsFrames: Bool = false,
        maxHandshakeResponseHeaderSize: Int = 64 << 10,
        maxRejectionBodySize: Int = 64 << 10,
        verifiesAcceptValue: Bool = true,
        maxHandshakeRequestHeaderSize: Int = 16 << 10
    ) {
        self.maxHandshakeRequestHeaderSize = maxHandshakeRequestHeaderSize
        self.verifiesAcceptValue = verifiesAcceptValue
        self.maxFrameSize = maxFrameSize
        self.maxMessageSize = maxMessageSize
        self.reportsFrames = reportsFrames
        self.maxHandshakeResponseHeaderSize = maxHandshakeResponseHeaderSize
        self.maxRejectionBodySize = maxRejectionBodySize
    }
}
