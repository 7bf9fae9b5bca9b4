/// A piece of a raw dump and where it lies in the file.
public struct RawDumpChunk: Sendable, Hashable {
    /// Offset of the first byte in the file.
    public var offset: Int
    /// The bytes.
    public var bytes: [UInt8]
}

/// Reads a raw inbound dump (the bytes a client read from one connection,
/// in order) in chunks of bounded size.
///
/// A dump does not record where one `recv` ended and the next began, so the
/// chunk size is the reader's choice; what is built on it must not depend on it.
public struct RawDumpReader<Source: ByteSource> {
    /// The default chunk size: a typical socket read.
    public static var defaultChunkSize: Int { 64 << 10 }

    /// Whether the dump starts with the server's HTTP response rather than a frame.
    public let startsWithHandshake: Bool
    /// The most bytes one chunk holds.
    public let chunkSize: Int
    private var input: BufferedByteReader<Source>

    /// Reads `source` as a raw dump.
    ///
    /// - Parameters:
    ///   - startsWithHandshake: whether the dump starts with the HTTP response.
    ///   - chunkSize: the most bytes per chunk (at least 1).
    public init(source: Source, startsWithHandshake: Bool, chunkSize: Int = defaultChunkSize) {
        self.init(input: BufferedByteReader(source: source), startsWithHandshake: startsWithHandshake, chunkSize: chunkSize)
    }

    init(input: BufferedByteReader<Source>, startsWithHandshake: Bool, chunkSize: Int) {
        self.input = input
        self.startsWithHandshake = startsWithHandshake
        self.chunkSize = max(1, chunkSize)
    }

    /// Bytes of the file consumed so far.
    public var offset: Int { input.offset }

    /// The next chunk, or `nil` at the end of the dump.
    public mutating func next() throws(InputError) -> RawDumpChunk? {
        let offset = input.offset
        guard let bytes = try input.nextChunk(maxCount: chunkSize) else { return nil }
        return RawDumpChunk(offset: offset, bytes: bytes)
    }
}
