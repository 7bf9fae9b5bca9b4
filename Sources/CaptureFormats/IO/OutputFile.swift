#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file created (or truncated) for writing, closed when released.
package final class OutputFile {
    let path: String
    private let descriptor: Int32

    /// Creates or truncates `path`; a new file gets `mode` (0600 for one that holds secrets).
    /// `exclusive` creates it or fails (`EEXIST`), never opening what is there, a symbolic link
    /// included: for files whose mode must be the one asked for.
    package init(path: String, mode: mode_t = 0o644, exclusive: Bool = false) throws(InputError) {
        self.path = path
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL | O_NOFOLLOW : O_TRUNC)
        let opened = open(path, flags, mode)
        guard opened >= 0 else {
            let error = errno
            throw InputError(.cannotOpen, path: path, errno: error, "cannot create: \(String(cString: strerror(error)))")
        }
        descriptor = opened
    }

    deinit { close(descriptor) }

    package func write(_ bytes: [UInt8]) throws(InputError) {
        if let failed = writeAll(descriptor, bytes) {
            throw InputError(.writeFailed, path: path, errno: failed, "write failed: \(String(cString: strerror(failed)))")
        }
    }
}

/// Writes all of `bytes` to `descriptor`, retrying short and interrupted writes.
///
/// - Returns: `nil`, or the `errno` of the write that failed.
package func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32? {
    bytes.withUnsafeBytes { buffer in
        var written = 0
        while written < buffer.count, let base = buffer.baseAddress {
            let count = systemWrite(descriptor, base + written, buffer.count - written)
            if count < 0 {
                if errno == EINTR { continue }
                return errno
            }
            written += count
        }
        return nil
    }
}

/// `write(2)`, named apart from the methods called `write`.
package func systemWrite(_ descriptor: Int32, _ base: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, base, count)
}
