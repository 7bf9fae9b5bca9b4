import CZlib

extension ZlibStandalone {
    /// Compresses `payload` into one complete, standalone zlib stream (RFC 1950),
    /// as payload compression sends it.
    ///
    /// - Parameter level: the zlib compression level, 0 (store) to 9 (smallest);
    ///   values outside -1...9 are clamped into it (-1 is zlib's default).
    public static func compress(_ payload: [UInt8], level: Int32 = 6) -> [UInt8] {
        let level = min(max(level, -1), 9)
        let bound = Int(compressBound(uLong(payload.count)))
        return [UInt8](unsafeUninitializedCapacity: bound) { output, initializedCount in
            var outputCount = uLongf(bound)
            let status = payload.withUnsafeBufferPointer { input in
                compress2(output.baseAddress, &outputCount, input.baseAddress, uLong(payload.count), level)
            }
            // compress2 cannot fail with a valid level and compressBound's room.
            guard status == Z_OK else { preconditionFailure("zlib compress2 failed with status \(status)") }
            initializedCount = Int(outputCount)
        }
    }
}
