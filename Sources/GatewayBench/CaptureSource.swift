#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A capture file handed out in fixed-size chunks, either from memory (read once, before timing)
/// or read from disk chunk by chunk into one reused buffer, as a replay of a huge file must.
struct CaptureSource {
    enum Storage {
        case memory([UInt8])
        case file(path: String)
    }

    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    let storage: Storage
    let chunkSize: Int
    let size: Int

    /// Files above this size are always streamed, so the benchmark's memory stays flat.
    static let largestPreloaded = 256 << 20

    init(path: String, chunkSize: Int, streams: Bool) throws(ReadError) {
        var status = stat()
        guard stat(path, &status) == 0 else { throw ReadError(description: "\(path): \(Self.lastError())") }
        size = Int(status.st_size)
        self.chunkSize = chunkSize
        if streams || size > Self.largestPreloaded {
            storage = .file(path: path)
        } else {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(size)
            try Self.read(path: path, chunkSize: 1 << 20) { bytes.append(contentsOf: $0) }
            storage = .memory(bytes)
        }
    }

    var isStreamed: Bool {
        if case .file = storage { return true }
        return false
    }

    /// Calls `body` with each chunk in order.
    func forEachChunk(_ body: (UnsafeRawBufferPointer) -> Void) throws(ReadError) {
        switch storage {
        case .memory(let bytes):
            bytes.withUnsafeBytes { all in
                var start = 0
                while start < all.count {
                    let end = min(all.count, start + chunkSize)
                    body(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                    start = end
                }
            }
        case .file(let path):
            try Self.read(path: path, chunkSize: chunkSize, body)
        }
    }

    private static func read(path: String, chunkSize: Int, _ body: (UnsafeRawBufferPointer) -> Void) throws(ReadError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw ReadError(description: "\(path): \(lastError())") }
        defer { close(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            // Fill the whole chunk (a read may return less) so chunk boundaries match the in-memory mode.
            var filled = 0
            while filled < chunkSize {
                let count = Glibc.read(descriptor, buffer.baseAddress.map { $0 + filled }, chunkSize - filled)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw ReadError(description: "\(path): \(lastError())")
                }
                if count == 0 { break }
                filled += count
            }
            if filled == 0 { return }
            body(UnsafeRawBufferPointer(rebasing: buffer[0..<filled]))
            if filled < chunkSize { return }
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
