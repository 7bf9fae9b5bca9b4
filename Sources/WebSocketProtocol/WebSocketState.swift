/// Where a connection is in its life (RFC 6455 §4, §7; the states wsproto uses).
public enum WebSocketState: Sendable, Hashable {
    /// The upgrade request is out; waiting for (or reading) the server's response.
    /// For a ``WebSocketServer``: reading the request, or waiting for the caller to answer it.
    case connecting
    /// The handshake succeeded; messages flow both ways.
    case open
    /// We sent a close frame and wait for the peer's; nothing more may be sent.
    case localClosing
    /// The peer sent a close frame we have not answered. ``WebSocketClient`` and
    /// ``WebSocketServer`` answer in the same `receive` call, so it passes straight through to
    /// ``closed``; the case exists for drivers that model the RFC's states.
    case remoteClosing
    /// The closing handshake finished, the connection failed, or the input
    /// ended; the caller closes the transport once it wrote what was returned.
    case closed
    /// The server answered the upgrade with something other than a valid 101 (for a
    /// ``WebSocketServer``: it refused the request, by itself or through `reject`).
    case rejected
}
