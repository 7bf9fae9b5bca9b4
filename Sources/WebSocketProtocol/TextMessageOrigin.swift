/// Where the bytes of one text message lie in the server's byte stream.
///
/// Kept only when the layer above validates text itself (see
/// ``WebSocketConfiguration/validatesTextMessages``): the bad byte it finds is
/// an index in the joined message, and the error must name its stream offset,
/// as the client's own check does.
struct TextMessageOrigin: Sendable {
    /// A frame after the first: where its payload starts in the message and in the stream.
    struct Fragment: Sendable {
        var messageIndex: Int
        var streamOffset: Int
    }

    /// Stream offset of the first frame's first payload byte.
    private let firstPayloadOffset: Int
    /// Later frames, in order; empty (no allocation) for the usual one-frame message.
    private var laterFragments: [Fragment] = []
    /// Payload bytes announced so far.
    private(set) var length: Int

    /// The origin of a message whose first frame has this header.
    init(firstFrame header: WebSocketFrameHeader) {
        firstPayloadOffset = header.offset + header.headerLength
        length = header.payloadLength
    }

    /// Adds a continuation frame. Lengths cannot overflow: the parser checked their sum
    /// against the message size limit.
    mutating func append(_ header: WebSocketFrameHeader) {
        laterFragments.append(Fragment(messageIndex: length, streamOffset: header.offset + header.headerLength))
        length += header.payloadLength
    }

    /// The stream offset of byte `index` of the joined message.
    func streamOffset(ofMessageByte index: Int) -> Int {
        var offset = firstPayloadOffset + index
        for fragment in laterFragments where fragment.messageIndex <= index {
            offset = fragment.streamOffset + (index - fragment.messageIndex)
        }
        return offset
    }
}
