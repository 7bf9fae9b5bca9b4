/// Where a connection's input stops short of a whole unit: what the transport's end cut off.
///
/// A reader of a capture needs to tell input that ended cleanly between frames (a dropped
/// connection) from input that ends inside the handshake or a frame (a cut file, or a
/// transport that died mid-write); the parser is the one that knows where frames begin and
/// end, so it says, rather than the caller counting bytes alongside it.
public enum WebSocketTruncation: Sendable, Hashable {
    /// Inside the server's HTTP response (for a ``WebSocketServer``: the client's request):
    /// `received` bytes of it arrived, without the blank line that ends its headers.
    case handshake(received: Int)
    /// Inside a frame header that starts at stream offset `offset`: `received` of its bytes arrived.
    case frameHeader(offset: Int, received: Int)
    /// Inside the payload of the frame with this header: `missing` of its bytes did not arrive.
    case framePayload(header: WebSocketFrameHeader, missing: Int)

    /// The stream offset where the input stopped.
    public var inputEnd: Int {
        switch self {
        case .handshake(let received): received
        case .frameHeader(let offset, let received): offset + received
        case .framePayload(let header, let missing): header.frameEnd - missing
        }
    }
}
