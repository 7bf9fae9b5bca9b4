#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An export's output, written to a temporary file beside it and renamed into place only when
/// the export succeeds, so a failed export leaves no partial file (and an existing file is
/// untouched until then).
final class ExportOutputFile {
    /// The path the user named.
    let path: String
    private let temporaryPath: String
    private var file: OutputFile?

    /// Creates the temporary file (readable by its owner only when it will hold `secret`s);
    /// refuses when `path` exists, unless `force`.
    init(path: String, force: Bool, secret: Bool = false) throws(ExportError) {
        self.path = path
        if !force, access(path, F_OK) == 0 {
            throw ExportError(.outputExists, "\(path) already exists; --force overwrites it")
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporaryPath = "\(directory).\(name).\(getpid()).tmp"
        // Created afresh, never opened where it stands: a file or link left under the name (an
        // earlier export's, or someone else's) could carry another mode or point elsewhere.
        // A stale one is removed (unlink removes a link, not its target) and creation tried again.
        let mode: mode_t = secret ? 0o600 : 0o644
        do {
            file = try OutputFile(path: temporaryPath, mode: mode, exclusive: true)
        } catch where error.errno == EEXIST {
            unlink(temporaryPath)
            do {
                file = try OutputFile(path: temporaryPath, mode: mode, exclusive: true)
            } catch {
                throw ExportError(.cannotCreate, "\(path): cannot create \(temporaryPath): \(error.message)")
            }
        } catch {
            throw ExportError(.cannotCreate, "\(path): cannot create \(temporaryPath): \(error.message)")
        }
    }

    deinit {
        // Not committed: the export failed, and its partial output goes.
        if file != nil { unlink(temporaryPath) }
    }

    /// Appends `bytes`.
    func write(_ bytes: [UInt8]) throws(ExportError) {
        guard let file, !bytes.isEmpty else { return }
        do {
            try file.write(bytes)
        } catch {
            throw ExportError(.writeFailed, "\(path): \(error.message)")
        }
    }

    /// Closes the file and moves it to ``path``.
    func commit() throws(ExportError) {
        file = nil  // Closes it.
        if rename(temporaryPath, path) != 0 {
            let failure = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw ExportError(.writeFailed, "\(path): cannot move the finished file into place: \(failure)")
        }
    }
}

/// Why an export could not write its output.
struct ExportError: Error, Sendable, Hashable, CustomStringConvertible, ExitStatusReporting {
    /// What went wrong.
    enum Kind: Sendable, Hashable {
        /// The output exists and `--force` was not given (73).
        case outputExists
        /// The output cannot be created (73).
        case cannotCreate
        /// Writing it failed part-way (74).
        case writeFailed
    }

    var kind: Kind
    var message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    var description: String { message }

    var exitStatus: ProcessExitStatus {
        switch kind {
        case .outputExists, .cannotCreate: .cannotCreate
        case .writeFailed: .ioError
        }
    }
}
