import CZstd

/// libzstd, loaded at run time on first use.
///
/// Machines carry the zstd runtime (`libzstd.so.1`) but rarely its header, so
/// the package does not link it: the C shim opens it with `dlopen` once per
/// process, and zstd-stream connections fail with a clear error where it is
/// missing while everything else keeps working.
enum ZstdLibrary {
    /// Loads libzstd if needed; throws ``DecompressionError/Kind/zstdUnavailable`` naming what was tried.
    static func load() throws(DecompressionError) {
        if let message = czstd_load() {
            throw unavailable(String(cString: message))
        }
    }

    /// The error for a library that could not be loaded, given the loader's explanation.
    static func unavailable(_ reason: String) -> DecompressionError {
        DecompressionError(
            .zstdUnavailable,
            "zstd-stream needs the zstd runtime library (libzstd, e.g. the Debian package libzstd1): \(reason)")
    }

    /// zstd's name for an error code.
    static func errorName(_ code: Int) -> String {
        guard let name = czstd_get_error_name(code) else { return "unknown zstd error" }
        return String(cString: name)
    }
}
