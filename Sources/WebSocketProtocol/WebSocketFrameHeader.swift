/// One frame's header as it arrived (RFC 6455 §5.2), for inspectors and tests.
public struct WebSocketFrameHeader: Sendable, Hashable, CustomStringConvertible {
    /// FIN: this frame ends its message.
    public var fin: Bool
    /// RSV1 (per-message compression when negotiated; this client negotiates nothing).
    public var rsv1: Bool
    /// RSV2, reserved for extensions.
    public var rsv2: Bool
    /// RSV3, reserved for extensions.
    public var rsv3: Bool
    /// The frame's opcode.
    public var opcode: WebSocketOpcode
    /// The masking key, present exactly when the MASK bit was set.
    public var maskingKey: WebSocketMaskingKey?
    /// The payload length announced by the header.
    public var payloadLength: Int
    /// Bytes of header on the wire (2 to 14).
    public var headerLength: Int
    /// Stream offset of the header's first byte (see ``WebSocketProtocolError/offset``).
    public var offset: Int

    /// Creates a header value.
    public init(
        fin: Bool, rsv1: Bool = false, rsv2: Bool = false, rsv3: Bool = false, opcode: WebSocketOpcode,
        maskingKey: WebSocketMaskingKey? = nil, payloadLength: Int, headerLength: Int, offset: Int
    ) {
        self.fin = fin
        self.rsv1 = rsv1
        self.rsv2 = rsv2
        self.rsv3 = rsv3
        self.opcode = opcode
        self.maskingKey = maskingKey
        self.payloadLength = payloadLength
        self.headerLength = headerLength
        self.offset = offset
    }

    /// Whether the MASK bit was set.
    public var isMasked: Bool { maskingKey != nil }

    /// The stream offset just past the frame's payload (`Int.max` should a configured limit
    /// let a length run past what `Int` holds).
    public var frameEnd: Int {
        let (end, overflow) = offset.addingReportingOverflow(headerLength + payloadLength)
        return overflow ? .max : end
    }

    public var description: String {
        var text = "@\(offset) \(opcode)\(fin ? "" : " (not FIN)") length=\(payloadLength)"
        if rsv1 || rsv2 || rsv3 { text += " rsv=\(rsv1 ? 1 : 0)\(rsv2 ? 1 : 0)\(rsv3 ? 1 : 0)" }
        if let maskingKey { text += " mask=\(maskingKey)" }
        return text
    }
}

/// A whole frame with its unmasked payload, as returned by ``WebSocketFrameParser/nextFrame()``.
public struct WebSocketFrame: Sendable, Hashable {
    /// The frame's header.
    public var header: WebSocketFrameHeader
    /// The payload, already unmasked.
    public var payload: [UInt8]

    /// Creates a frame value.
    public init(header: WebSocketFrameHeader, payload: [UInt8]) {
        self.header = header
        self.payload = payload
    }
}
