/// Where a connection is in its life (RFC 6455 §4, §7; the states wsproto uses).
public enum WebSocketState: Sendable, Hashable {
    /// The upgrade request is out; waiting for (or reading) the server's response.
    case connecting
    /// The handshake succeeded; messages flow both ways.
    case open
    /// We sent a close frame and wait for the server's; nothing more may be sent.
    case localClosing
    /// The server sent a close frame we have not answered. ``WebSocketClient``
    /// answers in the same `receive` call, so it passes straight through to
    /// ``closed``; the case exists for drivers that model the RFC's states.
    case remoteClosing
    /// The closing handshake finished, the connection failed, or the input
    /// ended; the caller closes the transport once it wrote what was returned.
    case closed
    /// The server answered the upgrade with something other than a valid 101.
    case rejected
}
