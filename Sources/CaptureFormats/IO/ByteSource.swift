/// Something bytes can be pulled from in pieces: a file, standard input, memory.
///
/// The capture and dump readers pull through this so they never need the
/// whole input at once, and so tests can feed them from memory.
public protocol ByteSource {
    /// Copies up to `buffer.count` bytes into `buffer` and returns how many;
    /// 0 means the input has ended.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int
}

/// A ``ByteSource`` over bytes already in memory.
public struct MemoryByteSource: ByteSource, Sendable {
    private let bytes: [UInt8]
    private var position = 0
    /// The most bytes one `read` returns; tests use small values to split input everywhere.
    private let maxReadSize: Int

    /// Creates a source that yields `bytes`, at most `maxReadSize` per read.
    public init(_ bytes: [UInt8], maxReadSize: Int = .max) {
        self.bytes = bytes
        self.maxReadSize = max(1, maxReadSize)
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        let count = min(buffer.count, maxReadSize, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<position + count]))
        }
        position += count
        return count
    }
}
