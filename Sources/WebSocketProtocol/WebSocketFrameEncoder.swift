/// Builds frames (RFC 6455 §5.2) with any opcode, FIN, RSV bits and masking.
///
/// Deliberately permissive: a test's fake server uses it to produce invalid
/// frames too. ``WebSocketClient`` enforces the rules on what it sends.
public enum WebSocketFrameEncoder {
    /// Appends one frame to `output`, using the shortest length encoding.
    /// - Parameters:
    ///   - opcode: the frame's opcode.
    ///   - payload: the unmasked payload.
    ///   - fin: whether this frame ends its message.
    ///   - rsv: the three reserved bits, as the low 3 bits (RSV1 = 4, RSV2 = 2, RSV3 = 1).
    ///   - maskingKey: when given, the MASK bit is set and the payload masked with it.
    ///   - output: the bytes the frame is appended to.
    public static func append(
        opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer, fin: Bool = true, rsv: UInt8 = 0,
        maskingKey: WebSocketMaskingKey? = nil, to output: inout [UInt8]
    ) {
        output.reserveCapacity(output.count + 14 + payload.count)
        output.append((fin ? 0x80 : 0) | (rsv & 0x07) << 4 | opcode.rawValue)
        let maskBit: UInt8 = maskingKey == nil ? 0 : 0x80
        let length = payload.count
        if length < 126 {
            output.append(maskBit | UInt8(length))
        } else if length <= 0xFFFF {
            output.append(maskBit | 126)
            output.append(UInt8(truncatingIfNeeded: length >> 8))
            output.append(UInt8(truncatingIfNeeded: length))
        } else {
            output.append(maskBit | 127)
            let wide = UInt64(length)
            for shift in stride(from: 56, through: 0, by: -8) {
                output.append(UInt8(truncatingIfNeeded: wide >> UInt64(shift)))
            }
        }
        if let maskingKey { output.append(contentsOf: maskingKey.bytes) }
        let start = output.count
        output.append(contentsOf: payload)
        if let maskingKey {
            output.withUnsafeMutableBytes { maskingKey.apply(to: UnsafeMutableRawBufferPointer(rebasing: $0[start...]), phase: 0) }
        }
    }

    /// Appends one frame to `output` (see the `UnsafeRawBufferPointer` overload).
    public static func append(
        opcode: WebSocketOpcode, payload: some Collection<UInt8>, fin: Bool = true, rsv: UInt8 = 0,
        maskingKey: WebSocketMaskingKey? = nil, to output: inout [UInt8]
    ) {
        let done: Void? = payload.withContiguousStorageIfAvailable { buffer in
            append(opcode: opcode, payload: UnsafeRawBufferPointer(buffer), fin: fin, rsv: rsv, maskingKey: maskingKey, to: &output)
        }
        if done == nil {
            Array(payload).withUnsafeBytes { bytes in
                append(opcode: opcode, payload: bytes, fin: fin, rsv: rsv, maskingKey: maskingKey, to: &output)
            }
        }
    }

    /// One frame as bytes.
    public static func encode(
        opcode: WebSocketOpcode, payload: some Collection<UInt8>, fin: Bool = true, rsv: UInt8 = 0,
        maskingKey: WebSocketMaskingKey? = nil
    ) -> [UInt8] {
        var output: [UInt8] = []
        append(opcode: opcode, payload: payload, fin: fin, rsv: rsv, maskingKey: maskingKey, to: &output)
        return output
    }

    /// A close frame's payload: the code big-endian, then the UTF-8 reason; empty when `code` is nil.
    public static func closePayload(code: UInt16?, reason: String = "") -> [UInt8] {
        guard let code else { return [] }
        return [UInt8(truncatingIfNeeded: code >> 8), UInt8(truncatingIfNeeded: code)] + Array(reason.utf8)
    }
}
