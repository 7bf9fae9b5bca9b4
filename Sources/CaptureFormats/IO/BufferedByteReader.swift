#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Pulls bytes from a ``ByteSource`` through one reusable buffer, so a reader
/// can peek at the start of an input, split it into lines or take it in
/// chunks while holding at most one line (or chunk) in memory.
struct BufferedByteReader<Source: ByteSource> {
    /// Where one line lies in the buffer; valid until the next mutating call.
    struct LineSpan {
        /// The line's bytes in the buffer, without its `\n`.
        var range: Range<Int>
        /// Absolute offset of the line's first byte in the input.
        var offset: Int
        /// Whether the line ended with `\n` (false only for a last line cut short).
        var terminated: Bool
    }

    /// The outcome of asking for the next line.
    enum NextLine {
        /// A line (see ``LineSpan``).
        case line(LineSpan)
        /// A line longer than allowed starts at `offset`; nothing more can be read.
        case tooLong(offset: Int)
        /// The input has ended.
        case end
    }

    private(set) var source: Source
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    /// Absolute input offset of `buffer[start]`.
    private(set) var offset = 0
    /// Buffered bytes from `start` already known to hold no `\n`.
    private var scannedWithoutNewline = 0
    private var sourceEnded = false

    init(source: Source, initialCapacity: Int = 64 << 10) {
        self.source = source
        self.buffer = [UInt8](repeating: 0, count: max(16, initialCapacity))
    }

    /// The number of bytes buffered and not yet consumed.
    var bufferedCount: Int { end - start }

    /// Reads until at least `count` bytes are buffered or the input ends; returns how many are buffered.
    mutating func fill(atLeast count: Int) throws(InputError) -> Int {
        while end - start < count && !sourceEnded {
            try readMore(reserving: count)
        }
        return end - start
    }

    /// Calls `body` with the buffered bytes in `range` (a ``LineSpan/range`` or `0..<bufferedCount` after `start`).
    func withBytes<R, E: Error>(
        in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        let result: Result<R, E> = buffer.withUnsafeBytes { all in
            do throws(E) {
                return .success(try body(UnsafeRawBufferPointer(rebasing: all[range])))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The range of the buffered, unconsumed bytes (for peeking).
    var bufferedRange: Range<Int> { start..<end }

    /// Finds the next line, reading more input as needed, and consumes it.
    ///
    /// - Parameter maxLength: the longest line accepted, without its `\n`.
    mutating func nextLine(maxLength: Int) throws(InputError) -> NextLine {
        while true {
            if let newline = findNewline() {
                let span = LineSpan(range: start..<newline, offset: offset, terminated: true)
                consume(upTo: newline + 1)
                if span.range.count > maxLength { return .tooLong(offset: span.offset) }
                return .line(span)
            }
            if end - start > maxLength { return .tooLong(offset: offset) }
            if sourceEnded {
                guard end > start else { return .end }
                let span = LineSpan(range: start..<end, offset: offset, terminated: false)
                consume(upTo: end)
                return .line(span)
            }
            // A line of maxLength bytes and its \n fit in maxLength + 1; one more byte without a
            // \n already proves the line too long, so the buffer never needs to grow past that.
            let (ceiling, overflow) = maxLength.addingReportingOverflow(1)
            try readMore(
                reserving: min(maxLength, end - start).addingReportingOverflow(2).partialValue,
                ceiling: overflow ? .max : ceiling)
        }
    }

    /// Takes up to `maxCount` bytes as a new array, or `nil` at the end of the input.
    mutating func nextChunk(maxCount: Int) throws(InputError) -> [UInt8]? {
        if end == start {
            if sourceEnded { return nil }
            // Nothing buffered: read straight into the result, skipping the buffer, and into
            // uninitialized storage: zeroing each chunk first cost as much as copying it.
            var failure: InputError?
            let chunk = [UInt8](unsafeUninitializedCapacity: max(1, maxCount)) { storage, initialized in
                do throws(InputError) {
                    initialized = try source.read(into: UnsafeMutableRawBufferPointer(storage))
                } catch {
                    failure = error
                    initialized = 0
                }
            }
            if let failure { throw failure }
            if chunk.isEmpty {
                sourceEnded = true
                return nil
            }
            offset += chunk.count
            return chunk
        }
        let count = min(maxCount, end - start)
        let chunk = Array(buffer[start..<start + count])
        consume(upTo: start + count)
        return chunk
    }

    /// One read from `source` into `array[start...]`.
    private static func read(from source: inout Source, into array: inout [UInt8], at start: Int) throws(InputError) -> Int {
        let result: Result<Int, InputError> = array.withUnsafeMutableBytes { all in
            do throws(InputError) {
                return .success(try source.read(into: UnsafeMutableRawBufferPointer(rebasing: all[start...])))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private mutating func consume(upTo index: Int) {
        offset += index - start
        start = index
        scannedWithoutNewline = 0
        if start == end {
            start = 0
            end = 0
        }
    }

    private mutating func findNewline() -> Int? {
        let from = start + scannedWithoutNewline
        guard from < end else { return nil }
        let found: Int? = buffer.withUnsafeBytes { all in
            guard let base = all.baseAddress else { return nil }
            guard let hit = memchr(base + from, 0x0A, end - from) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
        if found == nil { scannedWithoutNewline = end - start }
        return found
    }

    /// Reads once more from the source, first making room for at least `needed` bytes in total,
    /// growing the buffer to at most `ceiling` bytes (always by at least one, so a read can happen).
    private mutating func readMore(reserving needed: Int, ceiling: Int = .max) throws(InputError) {
        if end == buffer.count {
            if start > 0 {
                let count = end - start
                buffer.withUnsafeMutableBytes { all in
                    guard let base = all.baseAddress else { return }
                    memmove(base, base + start, count)
                }
                start = 0
                end = count
            }
            if end == buffer.count {
                let (doubled, overflow) = buffer.count.multipliedReportingOverflow(by: 2)
                let wanted = max(overflow ? .max : doubled, needed)
                // Within a doubling of the ceiling, go straight to it: a last step of one byte
                // would hold two buffers the size of the ceiling at once.
                let capped = wanted > ceiling / 2 ? ceiling : wanted
                grow(to: max(capped, buffer.count + 1))
            }
        }
        let count = try Self.read(from: &source, into: &buffer, at: end)
        if count == 0 { sourceEnded = true }
        end += count
    }

    /// Replaces the buffer with a larger one holding the same bytes: two bulk copies, as the
    /// buffer may be tens of megabytes and grows once per doubling.
    private mutating func grow(to capacity: Int) {
        let kept = end
        let grown = [UInt8](unsafeUninitializedCapacity: capacity) { storage, initialized in
            guard let target = storage.baseAddress else {
                initialized = 0
                return
            }
            buffer.withUnsafeBytes { source in
                if let base = source.baseAddress { memcpy(target, base, kept) }
            }
            memset(target + kept, 0, capacity - kept)
            initialized = capacity
        }
        buffer = grown
    }
}
