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

    /// The first bytes of a header that is split across reads.
    ///
    /// Kept inline rather than in an array (a header is at most 14 bytes), so
    /// the state carries it with no allocation, and a copy of the state never
    /// shares a buffer that appending the next byte would have to copy.
    struct PartialHeader: Sendable {
        /// Bytes received so far; the reader stops at the header's length, so at
        /// most 14. One byte, declared first: the padding after it gives ``State``
        /// spare bits for its case tag. Without them the state needs a tag byte of
        /// its own, and every step that replaces the state calls a generic destroy
        /// (measurably slower parsing).
        private var received: UInt8 = 0
        /// Room for the longest header.
        private var storage: (UInt64, UInt64) = (0, 0)

        var count: Int { Int(received) }
        var isEmpty: Bool { received == 0 }

        subscript(index: Int) -> UInt8 {
            Swift.withUnsafeBytes(of: storage) { $0[index] }
        }

        mutating func append(_ byte: UInt8) {
            let index = count
            Swift.withUnsafeMutableBytes(of: &storage) { $0[index] = byte }
            received += 1
        }

        /// Calls `body` with the bytes received so far.
        func withBytes<Result>(
            _ body: (UnsafeRawBufferPointer) throws(WebSocketProtocolError) -> Result
        ) throws(WebSocketProtocolError) -> Result {
            let count = count
            return try Swift.withUnsafeBytes(of: storage) { (raw) throws(WebSocketProtocolError) -> Result in
                try body(UnsafeRawBufferPointer(rebasing: raw[..<count]))
            }
        }
    }

    /// A frame whose header has been read and whose payload is being copied.
    struct FrameInProgress: Sendable {
        var header: WebSocketFrameHeader
        /// Payload bytes still to come.
        var remaining: Int
        /// Payload bytes already copied; the masking key's phase.
        var received: Int
    }

    /// The data message being read, from its first frame's header to the end
    /// of its FIN frame's payload. Control frames may come between its frames.
    struct MessageInProgress: Sendable {
        /// Text or binary, from the first frame.
        let opcode: WebSocketOpcode
        /// Payload bytes announced so far, the current frame's included: the
        /// message size limit is checked against it, and the sink grows toward it.
        var length: Int
        /// UTF-8 validation of a text message, carried across reads and frames
        /// because a code point may be split anywhere.
        var utf8 = UTF8Validator()
    }

    /// Where the parser is inside the current frame.
    enum State: Sendable {
        /// Reading a header (2 to 14 bytes). Empty unless the header is split
        /// across reads, which is rare: the fast path reads a whole header in place.
        case header(PartialHeader)
        /// Copying the payload of a frame whose header is complete.
        case payload(FrameInProgress)
        /// A violation was found; the parser refuses all further input.
        /// `midHeader`: it was found in a header some of whose bytes were
        /// already taken in, so the input does not end between frames.
        case failed(WebSocketProtocolError, midHeader: Bool)
    }

    /// What ``append(_:)`` and ``nextFrame()`` keep between calls. Unused by
    /// ``WebSocketClient``, which streams its reads through ``step(_:at:messageSink:)``.
    private struct WholeFrameBuffer: Sendable {
        /// Appended input; bytes before `index` are parsed.
        var input: [UInt8] = []
        var index = 0
        /// The payload of the data frame being read, until the frame is whole.
        var payload: [UInt8] = []
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

    private var state: State = .header(PartialHeader())
    /// Stream offset of the next byte to be parsed.
    public private(set) var offset: Int
    /// The data message being read; nil between messages.
    private var message: MessageInProgress?
    /// The payload of the control frame being read (at most 125 bytes), unmasked,
    /// until it is whole: a control frame may come between the frames of a
    /// message, so it cannot use the message sink. Not in ``FrameInProgress``:
    /// with no reference inside, each step copies the state's frame as plain
    /// bytes, where an array there would be retained and released every time
    /// (measurably slower framing).
    private var controlPayload: [UInt8] = []
    private var buffered = WholeFrameBuffer()

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
    }

    /// True when no frame is partially parsed (neither buffered nor in progress),
    /// so the input so far ended cleanly between frames.
    public var isAtFrameBoundary: Bool {
        guard buffered.index == buffered.input.count else { return false }
        switch state {
        case .header(let partial): return partial.isEmpty
        case .failed(_, let midHeader): return !midHeader
        case .payload: return false
        }
    }

    /// Where the streamed input so far stops inside a frame; nil at a frame boundary.
    var unfinishedFrame: WebSocketTruncation? {
        switch state {
        case .header(let partial):
            partial.isEmpty ? nil : .frameHeader(offset: offset - partial.count, received: partial.count)
        case .payload(let frame):
            .framePayload(header: frame.header, missing: frame.remaining)
        case .failed:
            nil
        }
    }

    /// True while a fragmented message has started and not yet finished.
    public var isInsideFragmentedMessage: Bool { message != nil }

    // MARK: Whole frames

    /// Buffers `bytes` for ``nextFrame()``.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        buffered.input.append(contentsOf: bytes)
    }

    /// Buffers `bytes` for ``nextFrame()``.
    public mutating func append(_ bytes: [UInt8]) {
        buffered.input.append(contentsOf: bytes)
    }

    /// The next complete frame from the buffered input, nil when more input is
    /// needed. After an error, every call throws that error again.
    public mutating func nextFrame() throws(WebSocketProtocolError) -> WebSocketFrame? {
        while true {
            let buffer = buffered.input
            var position = buffered.index
            var sink = buffered.payload
            buffered.payload = []
            let result = buffer.withUnsafeBytes { input in
                Result { () throws(WebSocketProtocolError) -> Step in try step(input, at: &position, messageSink: &sink) }
            }
            buffered.index = position
            if buffered.index == buffered.input.count {
                // Everything buffered is consumed (a partial header is kept in the state).
                buffered.input.removeAll(keepingCapacity: true)
                buffered.index = 0
            }
            switch result {
            case .failure(let error):
                throw error
            case .success(.needMoreInput):
                buffered.payload = sink
                return nil
            case .success(.header):
                buffered.payload = sink
            case .success(.dataFrameEnd(let header, _)):
                return WebSocketFrame(header: header, payload: sink)
            case .success(.controlFrame(let header, let payload)):
                buffered.payload = sink
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
            case .failed(let error, _):
                throw error
            case .header(let partial):
                return try readHeader(partial, input, at: &position, messageSink: &messageSink)
            case .payload(let frame):
                return try readPayload(frame, input, at: &position, messageSink: &messageSink)
            }
        } catch {
            switch state {
            case .header(let partial): state = .failed(error, midHeader: !partial.isEmpty)
            case .payload: state = .failed(error, midHeader: false)
            case .failed: break  // The same error, thrown again.
            }
            throw error
        }
    }

    private mutating func readHeader(
        _ partialAtStart: PartialHeader, _ input: UnsafeRawBufferPointer, at position: inout Int,
        messageSink: inout [UInt8]
    ) throws(WebSocketProtocolError) -> Step {
        // Fast path: the whole header is in this read, as it nearly always is.
        if partialAtStart.isEmpty && input.count - position >= 2 {
            let first = input[position]
            let second = input[position + 1]
            try checkFirstByte(first, at: offset)
            try checkSecondByte(first, second, at: offset + 1)
            let length = Self.headerLength(second)
            if input.count - position >= length {
                let header = try decodeHeader(
                    UnsafeRawBufferPointer(rebasing: input[position..<position + length]), at: offset)
                position += length
                offset += length
                return begin(header, available: input.count - position, messageSink: &messageSink)
            }
        }
        // A header split across reads: a byte at a time, each checked as it arrives.
        var partial = partialAtStart
        while position < input.count {
            let byte = input[position]
            let byteOffset = offset
            partial.append(byte)
            position += 1
            offset += 1
            // Kept current: a read that ends here leaves the bytes for the next one,
            // and a violation found below knows it cut a header short.
            state = .header(partial)
            switch partial.count {
            case 1:
                try checkFirstByte(byte, at: byteOffset)
            case 2:
                try checkSecondByte(partial[0], byte, at: byteOffset)
            case 3 where partial[1] & 0x7F == 127:
                // A length of 2^63 or more is refused before the other 7 bytes arrive.
                try Self.checkLongLengthTopBit(byte, at: byteOffset)
            default:
                break
            }
            if partial.count >= 2 && partial.count == Self.headerLength(partial[1]) {
                let headerOffset = offset - partial.count
                let header = try partial.withBytes { (bytes) throws(WebSocketProtocolError) in
                    try decodeHeader(bytes, at: headerOffset)
                }
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
                if validatesText, let message, message.opcode == .text {
                    var validator = message.utf8
                    let invalidIndex = messageSink.withUnsafeBytes { validator.validate(UnsafeRawBufferPointer(rebasing: $0[start...])) }
                    self.message?.utf8 = validator
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
        state = .header(PartialHeader())
        let header = frame.header
        if header.opcode.isControl {
            // Handed out whole: `removeAll(keepingCapacity:)` on the buffer the payload still
            // shares allocates a new one at least as large, rounded up by the allocator, so the
            // capacity crept up from ping to ping and every queued ping held a buffer of a
            // kilobyte and more (a 3-second ping flood reached 600 MB; 100,000 pings in 64 KiB
            // reads, 80 MB).
            let payload = controlPayload
            controlPayload = []
            if header.opcode == .close {
                try Self.validateClosePayload(payload, at: header.offset + header.headerLength)
            }
            return .controlFrame(header, payload: payload)
        }
        guard let message else {
            preconditionFailure("a data frame's payload ended with no message in progress")
        }
        if header.fin {
            if message.opcode == .text && validatesText && !message.utf8.isAtCharacterBoundary {
                throw WebSocketProtocolError(
                    .invalidUTF8, "text message ends inside a UTF-8 sequence",
                    offset: offset - message.utf8.unfinishedSequenceLength)
            }
            self.message = nil
        }
        return .dataFrameEnd(header, messageOpcode: message.opcode)
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
        let messageLength = message?.length ?? 0
        guard needed > messageSink.capacity, needed >= messageLength / 4 else { return }
        messageSink.reserveCapacity(messageLength)
    }

    /// Starts the payload of a frame whose header just completed.
    private mutating func begin(
        _ header: WebSocketFrameHeader, available: Int, messageSink: inout [UInt8]
    ) -> Step {
        if !header.opcode.isControl {
            if header.opcode == .continuation {
                // checkFirstByte refused a continuation with no message in progress.
                // Cannot overflow: decodeHeader checked the sum against maxMessageSize.
                message?.length += header.payloadLength
            } else {
                message = MessageInProgress(opcode: header.opcode, length: header.payloadLength)
            }
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
        if opcode == .continuation && message == nil {
            throw WebSocketProtocolError(
                .unexpectedContinuation, "continuation frame with no fragmented message in progress", offset: byteOffset)
        }
        if (opcode == .text || opcode == .binary), let message {
            throw WebSocketProtocolError(
                .unfinishedMessage, "\(opcode) frame while a fragmented \(message.opcode) message is unfinished",
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

    /// RFC 6455 §5.2: a 64-bit length has its most significant bit clear. A check
    /// of its own, on the length's first byte, so that a header split across
    /// reads is refused there, before the other 7 bytes arrive.
    private static func checkLongLengthTopBit(_ byte: UInt8, at byteOffset: Int) throws(WebSocketProtocolError) {
        if byte & 0x80 != 0 {
            throw WebSocketProtocolError(
                .invalidLength, "64-bit length with the most significant bit set", offset: byteOffset)
        }
    }

    /// Decodes a whole header (its bytes from the first one, at stream offset
    /// `headerOffset`); checks the length against the rules and limits.
    private func decodeHeader(
        _ bytes: UnsafeRawBufferPointer, at headerOffset: Int
    ) throws(WebSocketProtocolError) -> WebSocketFrameHeader {
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
            try Self.checkLongLengthTopBit(bytes[2], at: lengthOffset)
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
            let messageLength = message?.length ?? 0
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
