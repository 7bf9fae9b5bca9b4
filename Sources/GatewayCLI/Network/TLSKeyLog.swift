import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The TLS session secrets of `connect`, appended to a file in the NSS key log format
/// (`SSLKEYLOGFILE`), so Wireshark can decrypt a packet capture of the same session.
///
/// The file holds what decrypts the session, token included: it is created readable by its
/// owner only, and nothing is written unless `--keylog` or `SSLKEYLOGFILE` asks for it.
final class TLSKeyLog: Sendable {
    /// The environment variable browsers, curl and others honour for the same file.
    static let environmentVariable = "SSLKEYLOGFILE"

    let path: String
    private let descriptor: Int32

    /// Opens (creating with mode 0600, else appending to) `path`.
    /// - Throws: ``ConnectError`` (74) naming the file when it cannot be opened.
    init(path: String) throws(ConnectError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw ConnectError(.invalidOption, "--keylog \(path): cannot open it (\(reason))", exitStatus: .ioError)
        }
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Appends one line NIOSSL hands over (it ends with its newline). A secret that cannot be
    /// written is lost, not fatal: the session itself does not depend on it.
    func append(_ line: ByteBuffer) {
        line.withUnsafeReadableBytes { bytes in
            var rest = UnsafeRawBufferPointer(bytes)
            while !rest.isEmpty {
                let written = write(descriptor, rest.baseAddress, rest.count)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                rest = UnsafeRawBufferPointer(rebasing: rest[written...])
            }
        }
    }
}
