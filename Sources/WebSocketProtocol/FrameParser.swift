/// An incremental RFC 6455 frame parser: bytes in, validated frames out.
///
/// Accepts input split at any byte. Everything a frame or a message sequence
/// can get wrong is checked here, as soon as the byte that decides it is seen,
/// so a split stream and a whole stream fail with the same error at the same
/// offset: reserved bits, reserved opcodes, control frames that are fragmented
/// or longer than 125 bytes, non-minimal or top-bit lengths, masking that does
/// not match the sender, continuations without a message, a new message inside
/// a fragmented one, frame and message size limits, UTF-8 of text messages
/// (incrementally, across fragments) and close-frame payloads.
///
/// The parser never buffers payload it does not have to: ``WebSocketClient``
/// copies each payload straight from the caller's read into the message being
/// assembled. The ``append(_:)`` / ``nextFrame()``
/// pair buffers input for callers that want whole frames (an inspector, a
/// test's fake server).
public struct WebSocketFrameParser: Sendable {
    /// Who sent the frames being parsed, which decides the masking rule.
    public enum Sender: Sendable, Hashable {
        /// A server: frames must not be masked (what a client parses).
        case server
        /// A client: frames must be masked (what a server, or a test's fake server, parses).
        case client
        /// Either: masked and unmasked frames are both accepted (an inspector
        /// decoding a capture of both directions).
        case either
    }

    /// A frame whose header has been read and whose payload is being copied.
    struct FrameInProgress: Sendable {
        var header: WebSocketFrameHeader
        /// Payload bytes still to come.
        var remaining: Int
        /// Payload bytes already copied; the masking key's phase.
        var received: Int
    }

    /// Where the parser is inside the current frame.
    enum State: Sendable {
        /// Reading a header (2 to 14 bytes); the bytes seen so far, if the
        /// header is split across reads, are in `headerScratch`.
        case header
        /// Copying the payload of a frame whose header is complete.
        case payload(FrameInProgress)
        /// A violation was found; the parser refuses all further input.
        case failed(WebSocketProtocolError)
    }

    /// What one call of ``step(_:at:messageSink:)`` produced.
    enum Step: Sendable {
        /// All input was consumed without completing anything.
        case needMoreInput
        /// A frame header was read; its payload comes next.
        case header(WebSocketFrameHeader)
        /// A data frame's payload was appended to the message sink; the message
        /// is complete when the header's `fin` is set.
        case dataFrameEnd(WebSocketFrameHeader, messageOpcode: WebSocketOpcode)
        /// A whole control frame with its unmasked payload (a close payload is validated).
        case controlFrame(WebSocketFrameHeader, payload: [UInt8])
    }

    private let sender: Sender
    private let maxFrameSize: Int
    private let maxMessageSize: Int
    private let validatesText: Bool

    private var state: State = .header
    private var headerScratch: [UInt8] = []
    /// Stream offset of the next byte to be parsed.
    public private(set) var offset: Int
    /// Opcode of the message in progress (text or binary), nil between messages.
    private var messageOpcode: WebSocketOpcode?
    /// Payload bytes of the message in progress, including the current frame.
    private var messageLength = 0
    private var utf8 = UTF8Validator()
    private var controlPayload: [UInt8] = []

    // The buffered whole-frame interface.
    private var pending: [UInt8] = []
    private var pendingIndex = 0
    private var framePayload: [UInt8] = []

    /// Creates a parser.
    /// - Parameters:
    ///   - sender: who sent the frames, which decides the masking rule.
    ///   - configuration: the frame and message size limits (other fields unused).
    ///   - startOffset: the stream offset of the first byte to be fed, so
    ///     offsets in headers and errors can count from an earlier point.
    public init(framesFrom sender: Sender, configuration: WebSocketConfiguration = .init(), startOffset: Int = 0) {
        self.sender = sender
        maxFrameSize = configuration.maxFrameSize
        maxMessageSize = configuration.maxMessageSize
        validatesText = configuration.validatesTextMessages
        offset = startOffset
        headerScratch.reserveCapacity(14)
    }

    /// True when no frame is partially parsed (neither buffered nor in progress),
    /// so the input so far ended cleanly between frames.
    public var isAtFrameBoundary: Bool {
        guard pendingIndex == pending.count, headerScratch.isEmpty else { return false }
        switch state {
        case .header, .failed: return true
        case .payload: return false
        }
    }

    /// Where the streamed input so far stops inside a frame; nil at a frame boundary.
    var unfinishedFrame: WebSocketTruncation? {
        switch state {
        case .header:
            headerScratch.isEmpty ? nil : .frameHeader(offset: offset - headerScratch.count, received: headerScratch.count)
        case .payload(let frame):
            .framePayload(header: frame.header, missing: frame.remaining)
        case .failed:
            nil
        }
    }

    /// True while a fragmented message has started and not yet finished.
    public var isInsideFragmentedMessage: Bool { messageOpcode != nil }

    // MARK: Whole frames

    /// Buffers `bytes` for ``nextFrame()``.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        pending.append(contentsOf: bytes)
    }

    /// Buffers `bytes` for ``nextFrame()``.
    public mutating func append(_ bytes: [UInt8]) {
        pending.append(contentsOf: bytes)
    }

    /// The next complete frame from the buffered input, nil when more input is
    /// needed. After an error, every call throws that error again.
    public mutating func nextFrame() throws(WebSocketProtocolError) -> WebSocketFrame? {
        while true {
            let buffer = pending
            var position = pendingIndex
            var sink = framePayload
            framePayload = []
            let result = buffer.withUnsafeBytes { input in
                Result { () throws(WebSocketProtocolError) -> Step in try step(input, at: &position, messageSink: &sink) }
            }
            pendingIndex = position
            if pendingIndex == pending.count {
                // Everything buffered is consumed (partial headers live in the scratch).
                pending.removeAll(keepingCapacity: true)
                pendingIndex = 0
            }
            switch result {
            case .failure(let error):
                throw error
            case .success(.needMoreInput):
                framePayload = sink
                return nil
            case .success(.header):
                framePayload = sink
            case .success(.dataFrameEnd(let header, _)):
                return WebSocketFrame(header: header, payload: sink)
            case .success(.controlFrame(let header, let payload)):
                framePayload = sink
                return WebSocketFrame(header: header, payload: payload)
            }
        }
    }

    // MARK: Streaming

    /// Parses from `input[position...]`, advancing `position`, until one thing
    /// happens (see ``Step``). Data payloads are appended, unmasked, to
    /// `messageSink`. Returns ``Step/needMoreInput`` only once `input` is used up.
    mutating func step(
        _ input: UnsafeRawBufferPointer, at position: inout Int, messageSink: inout [UInt8]
    ) throws(WebSocketProtocolError) -> Step {
        do throws(WebSocketProtocolError) {
            switch state {
            case .failed(let error):
                throw error
            case .header:
                return try readHeader(input, at: &position, messageSink: &messageSink)
            case .payload(let frame):
                return try readPayload(frame, input, at: &position, messageSink: &messageSink)
            }
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private mutating func readHeader(
        _ input: UnsafeRawBufferPointer, at position: inout Int, messageSink: inout [UInt8]
    ) throws(WebSocketProtocolError) -> Step {
        // Fast path: the whole header is in this read, as it nearly always is.
        if headerScratch.isEmpty && input.count - position >= 2 {
            let first = input[position]
            let second = input[position + 1]
            try checkFirstByte(first, at: offset)
            try checkSecondByte(first, second, at: offset + 1)
            let length = Self.headerLength(second)
            if input.count - position >= length {
                let header = try decodeHeader(UnsafeRawBufferPointer(rebasing: input[position..<position + length]))
                position += length
                offset += length
                return begin(header, available: input.count - position, messageSink: &messageSink)
            }
        }
        while position < input.count {
            let byte = input[position]
            let byteOffset = offset
            headerScratch.append(byte)
            position += 1
            offset += 1
            switch headerScratch.count {
            case 1:
                try checkFirstByte(byte, at: byteOffset)
            case 2:
                try checkSecondByte(headerScratch[0], byte, at: byteOffset)
            case 3 where headerScratch[1] & 0x7F == 127 && byte & 0x80 != 0:
                // A length of 2^63 or more is refused before the other 7 bytes arrive.
                _ = try decodeHeader(headerScratch)
            default:
                break
            }
            if headerScratch.count >= 2 && headerScratch.count == Self.headerLength(headerScratch[1]) {
                let header = try decodeHeader(headerScratch)
                headerScratch.removeAll(keepingCapacity: true)
                return begin(header, available: input.count - position, messageSink: &messageSink)
            }
        }
        return .needMoreInput
    }

    private mutating func readPayload(
        _ frameAtStart: FrameInProgress, _ input: UnsafeRawBufferPointer, at position: inout Int,
        messageSink: inout [UInt8]
    ) throws(WebSocketProtocolError) -> Step {
        var frame = frameAtStart
        let count = min(frame.remaining, input.count - position)
        if count > 0 {
            let chunk = UnsafeRawBufferPointer(rebasing: input[position..<position + count])
            let chunkOffset = offset
            if frame.header.opcode.isControl {
                Self.appendUnmasked(chunk, to: &controlPayload, key: frame.header.maskingKey, phase: frame.received)
            } else {
                let start = messageSink.count
                reserveForMessage(needing: start + count, in: &messageSink)
                Self.appendUnmasked(chunk, to: &messageSink, key: frame.header.maskingKey, phase: frame.received)
                if messageOpcode == .text && validatesText {
                    var validator = utf8
                    let invalidIndex = messageSink.withUnsafeBytes { validator.validate(UnsafeRawBufferPointer(rebasing: $0[start...])) }
                    utf8 = validator
                    if let invalidIndex {
                        throw WebSocketProtocolError(
                            .invalidUTF8, "text message is not valid UTF-8", offset: chunkOffset + invalidIndex)
                    }
                }
            }
            position += count
            offset += count
            frame.remaining -= count
            frame.received += count
        }
        guard frame.remaining == 0 else {
            state = .payload(frame)
            return .needMoreInput
        }
        state = .header
        let header = frame.header
        if header.opcode.isControl {
            let payload = controlPayload
            controlPayload.removeAll(keepingCapacity: true)
            if header.opcode == .close {
                try Self.validateClosePayload(payload, at: header.offset + header.headerLength)
            }
            return .controlFrame(header, payload: payload)
        }
        guard let opcode = messageOpcode else {
            preconditionFailure("a data frame's payload ended with no message in progress")
        }
        if header.fin {
            if opcode == .text && validatesText && !utf8.isAtCharacterBoundary {
                throw WebSocketProtocolError(
                    .invalidUTF8, "text message ends inside a UTF-8 sequence",
                    offset: offset - utf8.unfinishedSequenceLength)
            }
            messageOpcode = nil
            messageLength = 0
        }
        return .dataFrameEnd(header, messageOpcode: opcode)
    }

    /// Makes room for `needed` bytes of the message in progress.
    ///
    /// A message spread over many reads would otherwise grow by doubling, copying
    /// everything received at each step (a 566 KB GUILD_CREATE read in 64 KiB pieces
    /// was copied 1.7 times over). Once a quarter of the declared length has arrived,
    /// the buffer takes the whole length at once; before that, it doubles as usual, so
    /// a lying length never makes us allocate more than four times what arrived.
    @inline(__always)
    private func reserveForMessage(needing needed: Int, in messageSink: inout [UInt8]) {
        guard needed > messageSink.capacity, needed >= messageLength / 4 else { return }
        messageSink.reserveCapacity(messageLength)
    }

    /// Starts the payload of a frame whose header just completed.
    private mutating func begin(
        _ header: WebSocketFrameHeader, available: Int, messageSink: inout [UInt8]
    ) -> Step {
        if !header.opcode.isControl {
            if header.opcode != .continuation {
                messageOpcode = header.opcode
                messageLength = 0
                utf8 = UTF8Validator()
            }
            // Cannot overflow: decodeHeader checked the sum against maxMessageSize.
            messageLength += header.payloadLength
            if messageSink.isEmpty {
                // One allocation for the common whole-frame read; never more than
                // what has arrived, so a lying length cannot make us allocate.
                messageSink.reserveCapacity(min(header.payloadLength, available))
            }
        }
        state = .payload(FrameInProgress(header: header, remaining: header.payloadLength, received: 0))
        return .header(header)
    }

    // MARK: Header validation, in wire order

    /// 2, 4 or 10 bytes of length plus 4 of mask, decided by the second byte.
    private static func headerLength(_ second: UInt8) -> Int {
        let maskLength = second & 0x80 != 0 ? 4 : 0
        switch second & 0x7F {
        case 126: return 4 + maskLength
        case 127: return 10 + maskLength
        default: return 2 + maskLength
        }
    }

    private func checkFirstByte(_ first: UInt8, at byteOffset: Int) throws(WebSocketProtocolError) {
        if first & 0x70 != 0 {
            throw WebSocketProtocolError(
                .reservedBitsSet, "reserved bits 0x\(String(first & 0x70, radix: 16)) set without a negotiated extension",
                offset: byteOffset)
        }
        let opcode = WebSocketOpcode(rawValue: first & 0x0F) ?? .continuation
        guard opcode.isDefined else {
            throw WebSocketProtocolError(.reservedOpcode, "reserved opcode \(opcode.rawValue)", offset: byteOffset)
        }
        let fin = first & 0x80 != 0
        if opcode.isControl && !fin {
            throw WebSocketProtocolError(.fragmentedControlFrame, "\(opcode) frame without FIN", offset: byteOffset)
        }
        if opcode == .continuation && messageOpcode == nil {
            throw WebSocketProtocolError(
                .unexpectedContinuation, "continuation frame with no fragmented message in progress", offset: byteOffset)
        }
        if (opcode == .text || opcode == .binary), let messageOpcode {
            throw WebSocketProtocolError(
                .unfinishedMessage, "\(opcode) frame while a fragmented \(messageOpcode) message is unfinished",
                offset: byteOffset)
        }
    }

    private func checkSecondByte(_ first: UInt8, _ second: UInt8, at byteOffset: Int) throws(WebSocketProtocolError) {
        let masked = second & 0x80 != 0
        switch sender {
        case .server where masked:
            throw WebSocketProtocolError(.unexpectedMasking, "masked frame from the server", offset: byteOffset)
        case .client where !masked:
            throw WebSocketProtocolError(.unexpectedMasking, "unmasked frame from a client", offset: byteOffset)
        default:
            break
        }
        let length7 = second & 0x7F
        if first & 0x08 != 0 && length7 > 125 {
            throw WebSocketProtocolError(
                .controlFrameTooLong, "control frame longer than 125 bytes (length code \(length7))", offset: byteOffset)
        }
    }

    /// Decodes a header from its first byte, given at least through the bytes
    /// that decide the length; checks the length against the rules and limits.
    private func decodeHeader(_ bytes: UnsafeRawBufferPointer) throws(WebSocketProtocolError) -> WebSocketFrameHeader {
        let headerOffset = offset - (headerScratch.isEmpty ? 0 : headerScratch.count)
        let first = bytes[0]
        let second = bytes[1]
        // The length's own bytes: the second byte, or the extended field after it.
        let lengthOffset = headerOffset + (second & 0x7F < 126 ? 1 : 2)
        var payloadLength: Int
        var index = 2
        switch second & 0x7F {
        case 126:
            let length = Int(bytes[2]) << 8 | Int(bytes[3])
            if length < 126 {
                throw WebSocketProtocolError(
                    .nonMinimalLength, "16-bit length \(length) should use the 7-bit form", offset: lengthOffset)
            }
            payloadLength = length
            index = 4
        case 127:
            if bytes[2] & 0x80 != 0 {
                throw WebSocketProtocolError(
                    .invalidLength, "64-bit length with the most significant bit set", offset: lengthOffset)
            }
            guard bytes.count >= 10 else { return placeholderHeader(first: first, offset: headerOffset) }
            var length: UInt64 = 0
            for i in 2..<10 { length = length << 8 | UInt64(bytes[i]) }
            if length < 65536 {
                throw WebSocketProtocolError(
                    .nonMinimalLength, "64-bit length \(length) should use a shorter form", offset: lengthOffset)
            }
            guard length <= UInt64(Int.max) else {
                throw WebSocketProtocolError(.frameTooLarge, "frame length \(length) is not representable", offset: lengthOffset)
            }
            payloadLength = Int(length)
            index = 10
        default:
            payloadLength = Int(second & 0x7F)
        }
        let opcode = WebSocketOpcode(rawValue: first & 0x0F) ?? .continuation
        if payloadLength > maxFrameSize {
            throw WebSocketProtocolError(
                .frameTooLarge, "frame of \(payloadLength) bytes exceeds the limit of \(maxFrameSize)", offset: lengthOffset)
        }
        if !opcode.isControl {
            let (total, overflow) = messageLength.addingReportingOverflow(payloadLength)
            if overflow || total > maxMessageSize {
                throw WebSocketProtocolError(
                    .messageTooLarge, "message of at least \(messageLength) + \(payloadLength) bytes exceeds the limit of \(maxMessageSize)",
                    offset: lengthOffset)
            }
        }
        var maskingKey: WebSocketMaskingKey?
        if second & 0x80 != 0 {
            maskingKey = WebSocketMaskingKey(bytes[index], bytes[index + 1], bytes[index + 2], bytes[index + 3])
            index += 4
        }
        return WebSocketFrameHeader(
            fin: first & 0x80 != 0, rsv1: first & 0x40 != 0, rsv2: first & 0x20 != 0, rsv3: first & 0x10 != 0,
            opcode: opcode, maskingKey: maskingKey, payloadLength: payloadLength, headerLength: index,
            offset: headerOffset)
    }

    private func decodeHeader(_ bytes: [UInt8]) throws(WebSocketProtocolError) -> WebSocketFrameHeader {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(WebSocketProtocolError) -> WebSocketFrameHeader in try decodeHeader(raw) }
        }
        return try result.get()
    }

    /// Only returned when an early top-bit check passed on a partial header; never used as a frame.
    private func placeholderHeader(first: UInt8, offset headerOffset: Int) -> WebSocketFrameHeader {
        WebSocketFrameHeader(fin: first & 0x80 != 0, opcode: .continuation, payloadLength: 0, headerLength: 0, offset: headerOffset)
    }

    // MARK: Payload helpers

    private static func appendUnmasked(
        _ chunk: UnsafeRawBufferPointer, to sink: inout [UInt8], key: WebSocketMaskingKey?, phase: Int
    ) {
        let start = sink.count
        sink.append(contentsOf: chunk)
        if let key {
            sink.withUnsafeMutableBytes { key.apply(to: UnsafeMutableRawBufferPointer(rebasing: $0[start...]), phase: phase) }
        }
    }

    /// A close payload is empty, or a valid code followed by a UTF-8 reason.
    private static func validateClosePayload(_ payload: [UInt8], at payloadOffset: Int) throws(WebSocketProtocolError) {
        if payload.isEmpty { return }
        if payload.count == 1 {
            throw WebSocketProtocolError(
                .invalidClosePayload, "close frame payload of 1 byte (a code needs 2)", offset: payloadOffset)
        }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        if !WebSocketCloseCode.isAllowedInCloseFrame(code) {
            throw WebSocketProtocolError(.invalidCloseCode, "close code \(code) may not be sent", offset: payloadOffset)
        }
        var validator = UTF8Validator()
        let invalidIndex = payload.withUnsafeBytes { validator.validate(UnsafeRawBufferPointer(rebasing: $0[2...])) }
        if let invalidIndex {
            throw WebSocketProtocolError(.invalidCloseReason, "close reason is not valid UTF-8", offset: payloadOffset + 2 + invalidIndex)
        }
        if !validator.isAtCharacterBoundary {
            throw WebSocketProtocolError(
                .invalidCloseReason, "close reason ends inside a UTF-8 sequence",
                offset: payloadOffset + payload.count - validator.unfinishedSequenceLength)
        }
    }
}
