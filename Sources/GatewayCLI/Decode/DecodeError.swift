/// Why `decode` could not peel a layer off its input.
public struct DecodeError: Error, Sendable, Hashable, CustomStringConvertible, ExitStatusReporting {
    /// The layer that failed: `websocket`, `zlib-stream`, `zlib`, `zstd`, `json`, `etf` or `input`.
    public var layer: String
    /// What went wrong.
    public var message: String
    /// The byte offset of the fault in that layer's input, when known.
    public var offset: Int?

    /// Creates an error.
    public init(layer: String, _ message: String, offset: Int? = nil) {
        self.layer = layer
        self.message = message
        self.offset = offset
    }

    public var description: String {
        "\(layer) layer" + (offset.map { ", byte \($0)" } ?? "") + ": " + message
    }

    public var exitStatus: ProcessExitStatus { .dataError }
}
