import Foundation

/// A TLS key log in the NSS format (`connect --keylog`, `SSLKEYLOGFILE`), read and checked
/// before it is embedded in a pcapng file.
///
/// Checked because a pcapng reader takes the block as it is: a wrong file (a capture, a PEM key)
/// would only show later as a session Wireshark cannot decrypt, with no word on why.
struct TLSKeyLogText {
    /// The largest key log accepted: thousands of sessions' secrets, far below any real one.
    static let maxLength = 16 << 20

    /// The file it came from, for messages.
    let path: String
    /// The lines, as read (comments and blank lines kept: Wireshark skips them too).
    let text: String

    /// Reads `path` and checks every line is `LABEL <client random hex> <secret hex>`, a
    /// comment (`#`), or blank.
    /// - Throws: ``KeyLogError``: 66 when the file cannot be read, 65 naming the first bad line.
    init(path: String) throws(KeyLogError) {
        self.path = path
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw KeyLogError(status: .noInput, "--keylog \(path): cannot open it")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: Self.maxLength + 1) ?? Data()
        } catch {
            throw KeyLogError(status: .ioError, "--keylog \(path): cannot read it (\(error.localizedDescription))")
        }
        guard data.count <= Self.maxLength else {
            throw KeyLogError(status: .dataError, "--keylog \(path): longer than \(Self.maxLength >> 20) MiB, not a key log")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw KeyLogError(status: .dataError, "--keylog \(path): not text, so not a TLS key log")
        }
        var lineNumber = 0
        var secrets = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(separator: " ")
            guard fields.count == 3, fields[0].allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }),
                fields[1].count.isMultiple(of: 2), fields[1].allSatisfy(\.isHexDigit), fields[2].allSatisfy(\.isHexDigit)
            else {
                throw KeyLogError(
                    status: .dataError,
                    "--keylog \(path): line \(lineNumber) is not LABEL <client random> <secret> (the NSS key log format)")
            }
            secrets += 1
        }
        guard secrets > 0 else {
            throw KeyLogError(status: .dataError, "--keylog \(path): holds no secrets")
        }
        self.text = text
    }
}

/// A key log that cannot be embedded, with the exit status that says why.
struct KeyLogError: Error, CustomStringConvertible, ExitStatusReporting {
    var exitStatus: ProcessExitStatus
    var description: String

    init(status: ProcessExitStatus, _ message: String) {
        exitStatus = status
        description = message
    }
}
