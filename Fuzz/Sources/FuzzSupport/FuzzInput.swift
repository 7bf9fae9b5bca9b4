/// The bytes libFuzzer hands to `LLVMFuzzerTestOneInput`, as a buffer.
public enum FuzzInput {
    /// A raw buffer over `size` bytes at `data` (`data` may be null when `size` is 0).
    public static func buffer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
        guard let data, size > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: data, count: size)
    }
}

/// Splits fuzzer input into decisions and payload, in the spirit of LLVM's
/// `FuzzedDataProvider`: decisions (chunk sizes, clock steps, limits) are
/// taken from the end, the payload from the front, so mutations of one part
/// disturb the other as little as possible. Running out of bytes is not an
/// error: every decision then returns its smallest value.
public struct FuzzedData {
    private let bytes: UnsafeRawBufferPointer
    private var front: Int
    private var back: Int

    /// Wraps the fuzzer's input.
    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.front = 0
        self.back = bytes.count
    }

    /// How many bytes are left for payload and decisions.
    public var remainingCount: Int { back - front }

    /// A decision byte from the end, or 0 when none is left.
    public mutating func decisionByte() -> UInt8 {
        guard back > front else { return 0 }
        back -= 1
        return bytes[back]
    }

    /// An integer in `range` built from up to 8 decision bytes (only as many as the range needs).
    public mutating func decision(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(bitPattern: Int64(range.upperBound) &- Int64(range.lowerBound))
        var value: UInt64 = 0
        var covered: UInt64 = 0
        while covered < span && back > front {
            value = (value << 8) | UInt64(decisionByte())
            covered = (covered << 8) | 0xFF
        }
        if span != UInt64.max { value %= span + 1 }
        return range.lowerBound &+ Int(truncatingIfNeeded: value)
    }

    /// A Boolean decision.
    public mutating func decisionBool() -> Bool { decisionByte() & 1 == 1 }

    /// Up to `maxCount` payload bytes from the front.
    public mutating func payload(upTo maxCount: Int) -> UnsafeRawBufferPointer {
        let count = min(max(maxCount, 0), back - front)
        defer { front += count }
        return UnsafeRawBufferPointer(rebasing: bytes[front..<front + count])
    }

    /// All remaining bytes as payload.
    public mutating func remainingPayload() -> UnsafeRawBufferPointer { payload(upTo: remainingCount) }

    /// The remaining payload cut into chunks whose sizes the fuzzer chooses
    /// (1 to `maxChunk` bytes each), for feeding incremental parsers.
    public mutating func chunkedRemainder(maxChunk: Int) -> [UnsafeRawBufferPointer] {
        var chunks: [UnsafeRawBufferPointer] = []
        while remainingCount > 0 {
            let size = decision(in: 1...max(1, maxChunk))
            let chunk = payload(upTo: size)
            if chunk.count > 0 { chunks.append(chunk) }
        }
        return chunks
    }
}
