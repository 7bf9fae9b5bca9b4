#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends records to a capture file so that it is readable at any moment.
///
/// Each record is one line handed to a single `write(2)`: nothing is buffered
/// in the process, so a crash loses at most the record being written, and a
/// reader sees a cut-short last line as a warning, not an error. Outbound
/// bytes and sent payloads have every secret replaced by `[REDACTED]` before
/// they reach the file.
public final class CaptureWriter {
    /// The file being written, as named by the caller.
    public let path: String
    private var descriptor: Int32
    private let secrets: [[UInt8]]
    private let syncOnClose: Bool

    /// Creates (or truncates) `path` and writes `header` as its first record.
    ///
    /// - Parameters:
    ///   - secrets: strings that must never reach the file (the bot token);
    ///     redacted from outbound chunks and sent payloads.
    ///   - syncOnClose: whether ``close()`` calls `fsync(2)` first.
    public init(path: String, header: CaptureHeader, secrets: [String] = [], syncOnClose: Bool = false)
        throws(CaptureError)
    {
        self.path = path
        self.secrets = secrets.filter { !$0.isEmpty }.map { Array($0.utf8) }
        self.syncOnClose = syncOnClose
        let opened = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard opened >= 0 else {
            let error = errno
            throw CaptureError(
                InputError(.cannotOpen, path: path, errno: error, "cannot create: \(String(cString: strerror(error)))"))
        }
        descriptor = opened
        try writeLine(CaptureRecordEncoder.line(for: .header(header), redacting: []))
    }

    deinit {
        if descriptor >= 0 { closeDescriptor(descriptor) }
    }

    /// Appends one record (not a header: the file has one already).
    public func append(_ record: CaptureRecord) throws(CaptureError) {
        if case .header = record {
            throw CaptureError(.invalidRecord, "a capture file has exactly one header, written when it is created")
        }
        try writeLine(CaptureRecordEncoder.line(for: record, redacting: secrets))
    }

    /// Syncs the file if asked to at creation, and closes it. Appending afterwards is an error.
    public func close() throws(CaptureError) {
        guard descriptor >= 0 else { return }
        let closing = descriptor
        descriptor = -1
        if syncOnClose && fsync(closing) != 0 {
            let error = errno
            closeDescriptor(closing)
            throw failure("fsync failed", error)
        }
        if closeDescriptor(closing) != 0 { throw failure("close failed", errno) }
    }

    private func failure(_ what: String, _ error: Int32) -> CaptureError {
        CaptureError(InputError(.writeFailed, path: path, errno: error, "\(what): \(String(cString: strerror(error)))"))
    }

    private func writeLine(_ line: [UInt8]) throws(CaptureError) {
        guard descriptor >= 0 else { throw CaptureError(.invalidRecord, "the capture file is already closed") }
        if let failed = writeAll(descriptor, line) { throw failure("write failed", failed) }
    }
}

/// `close(2)`, named apart from ``CaptureWriter/close()``.
@discardableResult
private func closeDescriptor(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}
