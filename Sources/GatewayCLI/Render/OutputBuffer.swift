#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered output to a file descriptor (standard output by default), or to memory for tests.
///
/// Lines are collected and written in large pieces: a replay of a big capture
/// prints millions of lines, and one `write(2)` per line would dominate.
public final class OutputBuffer {
    private let descriptor: Int32?
    private var pending: [UInt8] = []
    /// Everything written, when the buffer writes to memory.
    public private(set) var captured: [UInt8] = []
    private let flushThreshold = 64 << 10

    /// Writes to `descriptor` (standard output by default).
    public init(descriptor: Int32 = STDOUT_FILENO) {
        self.descriptor = descriptor
        pending.reserveCapacity(flushThreshold + 4096)
    }

    private init(memory: Void) {
        descriptor = nil
    }

    /// A buffer that keeps what is written in ``captured``.
    public static func memory() -> OutputBuffer { OutputBuffer(memory: ()) }

    deinit { flush() }

    /// Appends bytes.
    public func write(_ bytes: [UInt8]) {
        pending.append(contentsOf: bytes)
        if pending.count >= flushThreshold { flush() }
    }

    /// Appends UTF-8 text.
    public func write(_ text: String) {
        pending.append(contentsOf: text.utf8)
        if pending.count >= flushThreshold { flush() }
    }

    /// Writes out everything pending. A failed write (a closed pipe) drops the output:
    /// there is nowhere left to report it.
    public func flush() {
        guard !pending.isEmpty else { return }
        guard let descriptor else {
            captured.append(contentsOf: pending)
            pending.removeAll(keepingCapacity: true)
            return
        }
        pending.withUnsafeBytes { bytes in
            var written = 0
            while written < bytes.count, let base = bytes.baseAddress {
                let count = systemWrite(descriptor, base + written, bytes.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    return
                }
                written += count
            }
        }
        pending.removeAll(keepingCapacity: true)
    }
}
