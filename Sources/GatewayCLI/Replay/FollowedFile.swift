import CaptureFormats

/// A file another process is still writing (`connect --record`), read like `tail -f`: at its
/// current end a read waits for more instead of reporting the end, so the readers above it hold
/// back a partial last line until its newline arrives. Only a stop request ends the input.
///
/// A file truncated (the recording started again) or replaced or removed under it is an error
/// rather than garbage: what was read no longer belongs to the file at that path.
final class FollowedFile: ByteSource {
    /// How long to wait before looking for appended bytes again: quick enough for a person
    /// watching, slow enough to cost nothing.
    static let pollInterval: Duration = .milliseconds(200)

    private let file: InputFile
    private let opened: FileIdentity
    private let stop: ReplayStop
    private let beforeWaiting: () -> Void
    /// Bytes read so far; a file shorter than this was truncated.
    private var consumed: Int64 = 0

    /// Opens `path` to follow it; `beforeWaiting` runs before every wait for more (to flush the output).
    ///
    /// - Throws: ``InputError`` when it cannot be opened, ``ReplayError`` when it is not a regular
    ///   file (a pipe or standard input already streams; it has nothing to poll).
    init(path: String, stop: ReplayStop, beforeWaiting: @escaping () -> Void) throws {
        file = try InputFile(path: path)
        guard let identity = file.identity(), identity.isRegularFile else {
            throw ReplayError(
                .unusableOptions, "--follow reads a regular file that is still being written; \(path) is not one")
        }
        opened = identity
        self.stop = stop
        self.beforeWaiting = beforeWaiting
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        while true {
            // A stop ends the input even while the writer keeps appending.
            if stop.status != nil { return 0 }
            let count = try file.read(into: buffer)
            if count > 0 {
                consumed += Int64(count)
                return count
            }
            try checkStillTheSameFile()
            beforeWaiting()
            if !stop.sleep(for: Self.pollInterval) { return 0 }
        }
    }

    /// At the end of what was written so far: the file must still be the one opened, at least as
    /// long as what was read of it.
    private func checkStillTheSameFile() throws(InputError) {
        let path = file.path
        if let now = file.identity(), now.size < consumed {
            throw InputError(
                .readFailed, path: path,
                "was truncated while being followed (it now holds \(now.size) bytes; \(consumed) had been read): "
                    + "if its recording started again, follow it again from the start")
        }
        guard let named = FileIdentity.of(path: path) else {
            throw InputError(.readFailed, path: path, "was removed while being followed")
        }
        if !named.isSameFile(as: opened) {
            throw InputError(
                .readFailed, path: path,
                "was replaced by another file while being followed: if its recording started again, follow it again")
        }
    }
}
