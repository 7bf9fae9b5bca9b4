#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a fuzz target reports a broken property: a message on stderr, then
/// `abort()`, which libFuzzer records as a crash and saves the input for.
///
/// Fuzz targets are test code: aborting on a violated property is their job.
/// The library itself must never trap on any input.
public enum FuzzCheck {
    /// Reports `message` and aborts the process.
    public static func fail(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
        let text = "FUZZ PROPERTY VIOLATED (\(file):\(line)): \(message)\n"
        _ = text.utf8CString.withUnsafeBufferPointer { buffer in
            // The C string's terminating NUL is not written.
            write(2, buffer.baseAddress, buffer.count - 1)
        }
        abort()
    }

    /// Aborts with `message` unless `condition` holds.
    public static func expect(
        _ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
    ) {
        if !condition { fail(message(), file: file, line: line) }
    }
}
