#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file (or standard input) opened for reading, closed when released.
public final class InputFile: ByteSource {
    /// The name given by the user, used in messages; `-` for standard input.
    public let path: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool

    /// Opens `path` for reading; `-` means standard input.
    ///
    /// - Throws: ``InputError/Kind/cannotOpen`` when the file is missing or unreadable.
    public init(path: String) throws(InputError) {
        self.path = path
        if path == "-" {
            descriptor = STDIN_FILENO
            ownsDescriptor = false
            return
        }
        let opened = open(path, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else {
            let error = errno
            throw InputError(.cannotOpen, path: path, errno: error, "cannot open: \(String(cString: strerror(error)))")
        }
        var status = stat()
        if fstat(opened, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            close(opened)
            throw InputError(.cannotOpen, path: path, errno: EISDIR, "is a directory, not a file")
        }
        descriptor = opened
        ownsDescriptor = true
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            #if canImport(Darwin)
            let count = Darwin.read(descriptor, base, buffer.count)
            #elseif canImport(Musl)
            let count = Musl.read(descriptor, base, buffer.count)
            #else
            let count = Glibc.read(descriptor, base, buffer.count)
            #endif
            if count >= 0 { return count }
            let error = errno
            if error == EINTR { continue }
            throw InputError(.readFailed, path: path, errno: error, "read failed: \(String(cString: strerror(error)))")
        }
    }
}

extension InputFile {
    /// The most bytes ``readAll(limit:)`` accepts by default: hexdumps are small.
    package static let defaultReadLimit = 256 << 20

    /// The file as it is now (size included), or nil when the system cannot say.
    package func identity() -> FileIdentity? { FileIdentity.of(descriptor: descriptor) }

    /// Reads the rest of the file.
    /// - Throws: ``InputError/Kind/readFailed`` when reading fails, ``InputError/Kind/tooLarge``
    ///   when the input exceeds `limit` (a regular file at once, from its size, before reading).
    package func readAll(limit: Int = defaultReadLimit) throws(InputError) -> [UInt8] {
        if let remaining = remainingRegularFileSize(), remaining > limit {
            throw tooLarge(limit: limit, at: limit)
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let result: Result<Int, InputError> = buffer.withUnsafeMutableBytes { raw in
                do throws(InputError) {
                    return .success(try read(into: raw))
                } catch {
                    return .failure(error)
                }
            }
            let count = try result.get()
            if count == 0 { return bytes }
            guard bytes.count <= limit - count else { throw tooLarge(limit: limit, at: limit) }
            bytes.append(contentsOf: buffer[..<count])
        }
    }

    private func tooLarge(limit: Int, at offset: Int) -> InputError {
        InputError(.tooLarge, path: path, "the input is larger than \(limit) bytes, the most this command reads (byte \(offset))")
    }

    /// What is left to read of a regular file (also standard input redirected from one), or nil
    /// for pipes, terminals and devices, whose size is unknown.
    private func remainingRegularFileSize() -> Int? {
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        let position = lseek(descriptor, 0, SEEK_CUR)
        guard position >= 0, status.st_size >= position else { return nil }
        return Int(status.st_size - position)
    }
}
