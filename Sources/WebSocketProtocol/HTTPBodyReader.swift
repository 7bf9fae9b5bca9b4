/// Reads a rejection's body (RFC 9112 §6): a fixed `Content-Length`, the
/// chunked coding (extensions and trailers skipped), or everything until the
/// input ends. Keeps at most `limit` bytes and stops there, so a large or
/// endless body can neither exhaust memory nor keep the caller waiting.
struct HTTPBodyReader: Sendable {
    /// How the body's end is found.
    enum Framing: Sendable, Hashable {
        /// No body (1xx, 204, 304 responses).
        case none
        /// Exactly this many bytes.
        case contentLength(Int)
        /// Transfer-Encoding ending in chunked.
        case chunked
        /// Until the connection ends.
        case untilEndOfInput
    }

    private enum State: Sendable {
        case fixed(remaining: Int)
        /// Reading a chunk-size line (and its extensions) into `line`.
        case chunkSize
        case chunkData(remaining: Int)
        /// Expecting the CR LF after a chunk's data; `seenCR` once the CR arrived.
        case chunkDataEnd(seenCR: Bool)
        /// Reading trailer lines into `line` until an empty one.
        case trailers
        case untilEndOfInput
        case done
    }

    /// Longest chunk-size line or trailer line accepted.
    private static let maxLineLength = 4096
    /// Most trailer bytes accepted in all.
    private static let maxTrailerSize = 16384

    private var state: State
    private var line: [UInt8] = []
    /// Stream offset of `line`'s first byte.
    private var lineStart = 0
    private var trailerBytes = 0
    private let limit: Int
    /// The body so far.
    private(set) var body: [UInt8] = []
    /// True once bytes were dropped at the limit.
    private(set) var isTruncated = false

    init(framing: Framing, limit: Int) {
        self.limit = max(0, limit)
        switch framing {
        case .none: state = .done
        case .contentLength(let length): state = length == 0 ? .done : .fixed(remaining: length)
        case .chunked: state = .chunkSize
        case .untilEndOfInput: state = .untilEndOfInput
        }
    }

    /// True when the body ended or the limit was reached.
    var isComplete: Bool {
        if case .done = state { return true }
        return false
    }

    /// Consumes body bytes from `input[position...]`; `streamOffset` is the
    /// stream offset of `input[position]` on entry, for error messages.
    mutating func receive(
        _ input: UnsafeRawBufferPointer, at position: inout Int, streamOffset: Int
    ) throws(WebSocketProtocolError) {
        let start = position
        while position < input.count {
            let byteOffset = streamOffset + (position - start)
            switch state {
            case .done:
                return
            case .fixed(let remaining):
                let count = min(remaining, input.count - position)
                guard keep(UnsafeRawBufferPointer(rebasing: input[position..<(position + count)])) else { return stopAtLimit() }
                position += count
                state = remaining == count ? .done : .fixed(remaining: remaining - count)
            case .untilEndOfInput:
                guard keep(UnsafeRawBufferPointer(rebasing: input[position...])) else { return stopAtLimit() }
                position = input.count
            case .chunkData(let remaining):
                let count = min(remaining, input.count - position)
                guard keep(UnsafeRawBufferPointer(rebasing: input[position..<(position + count)])) else { return stopAtLimit() }
                position += count
                state = remaining == count ? .chunkDataEnd(seenCR: false) : .chunkData(remaining: remaining - count)
            case .chunkDataEnd(let seenCR):
                let byte = input[position]
                position += 1
                if !seenCR && byte == 0x0D {
                    state = .chunkDataEnd(seenCR: true)
                } else if seenCR && byte == 0x0A {
                    state = .chunkSize
                } else {
                    throw WebSocketProtocolError(.malformedBody, "chunk data not followed by CR LF", offset: byteOffset)
                }
            case .chunkSize, .trailers:
                guard let complete = try readLine(input, at: &position, streamOffset: byteOffset) else { continue }
                if case .chunkSize = state {
                    let size = try Self.parseChunkSize(complete, lineOffset: lineStart)
                    state = size == 0 ? .trailers : .chunkData(remaining: size)
                } else if complete.isEmpty {
                    state = .done
                } else {
                    trailerBytes += complete.count + 2
                    if trailerBytes > Self.maxTrailerSize {
                        throw WebSocketProtocolError(
                            .malformedBody, "chunked trailers exceed \(Self.maxTrailerSize) bytes", offset: byteOffset)
                    }
                }
            }
            if case .done = state { return }
        }
    }

    /// Reaching the limit ends the body: nothing more is worth waiting for.
    private mutating func stopAtLimit() {
        isTruncated = true
        state = .done
    }

    /// The input ended: true when the body was complete (or read until the end);
    /// false when it was cut short.
    mutating func receiveEndOfInput() -> Bool {
        switch state {
        case .done:
            return true
        case .untilEndOfInput:
            state = .done
            return true
        case .fixed, .chunkSize, .chunkData, .chunkDataEnd, .trailers:
            state = .done
            isTruncated = true
            return false
        }
    }

    /// Keeps body bytes up to the limit; false once bytes had to be dropped.
    private mutating func keep(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let room = limit - body.count
        guard bytes.count <= room else {
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<room]))
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// Accumulates one CR LF terminated line; returns it (without CR LF) when complete.
    private mutating func readLine(
        _ input: UnsafeRawBufferPointer, at position: inout Int, streamOffset: Int
    ) throws(WebSocketProtocolError) -> [UInt8]? {
        var byteOffset = streamOffset
        while position < input.count {
            let byte = input[position]
            position += 1
            if line.isEmpty { lineStart = byteOffset }
            if byte == 0x0A {
                guard line.last == 0x0D else {
                    throw WebSocketProtocolError(.malformedBody, "chunked line ends with LF without CR", offset: byteOffset)
                }
                let complete = Array(line.dropLast())
                line.removeAll(keepingCapacity: true)
                return complete
            }
            line.append(byte)
            if line.count > Self.maxLineLength {
                throw WebSocketProtocolError(
                    .malformedBody, "chunked line longer than \(Self.maxLineLength) bytes", offset: byteOffset)
            }
            byteOffset += 1
        }
        return nil
    }

    /// `1*HEXDIG [ BWS ";" chunk-ext ]`; the extensions are ignored.
    private static func parseChunkSize(_ line: [UInt8], lineOffset: Int) throws(WebSocketProtocolError) -> Int {
        var size = 0
        var index = 0
        while index < line.count, let value = hexValue(line[index]) {
            let (shifted, overflow) = size.multipliedReportingOverflow(by: 16)
            guard !overflow else {
                throw WebSocketProtocolError(.malformedBody, "chunk size overflows", offset: lineOffset + index)
            }
            size = shifted | value
            index += 1
        }
        guard index > 0 else {
            throw WebSocketProtocolError(.malformedBody, "chunk size line has no hex digits", offset: lineOffset)
        }
        var rest = index
        while rest < line.count && (line[rest] == 0x20 || line[rest] == 0x09) { rest += 1 }
        if rest < line.count && line[rest] != UInt8(ascii: ";") || rest == line.count && rest != index {
            throw WebSocketProtocolError(.malformedBody, "invalid character after chunk size", offset: lineOffset + rest)
        }
        for (extensionIndex, byte) in line.enumerated().dropFirst(rest) where !HTTPSyntax.isFieldCharacter(byte) {
            throw WebSocketProtocolError(.malformedBody, "control character in chunk extension", offset: lineOffset + extensionIndex)
        }
        return size
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
