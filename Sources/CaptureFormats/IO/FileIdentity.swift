#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Which file a path or open descriptor refers to, and its size: enough for a reader following a
/// growing file to notice it was truncated or replaced under it.
package struct FileIdentity: Sendable, Hashable {
    /// The device holding the file.
    package var device: UInt64
    /// The file's inode on that device.
    package var inode: UInt64
    /// The file's size in bytes.
    package var size: Int64
    /// Whether it is a regular file (not a pipe, terminal or device, whose size means nothing).
    package var isRegularFile: Bool

    /// The file `path` names now, or nil when there is none (removed, or unreadable).
    package static func of(path: String) -> FileIdentity? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return FileIdentity(status)
    }

    /// The file open as `descriptor`, or nil when it cannot be asked.
    package static func of(descriptor: Int32) -> FileIdentity? {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        return FileIdentity(status)
    }

    /// Whether `other` is the same file (device and inode), whatever the sizes.
    package func isSameFile(as other: FileIdentity) -> Bool {
        device == other.device && inode == other.inode
    }

    private init(_ status: stat) {
        device = UInt64(truncatingIfNeeded: status.st_dev)
        inode = UInt64(truncatingIfNeeded: status.st_ino)
        size = Int64(status.st_size)
        isRegularFile = (status.st_mode & S_IFMT) == S_IFREG
    }
}
