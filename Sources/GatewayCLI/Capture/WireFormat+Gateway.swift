import CaptureFormats
import DiscordGateway
import GatewayCodecs

// The capture format names encodings and compressions with its own types (CaptureFormats
// depends on nothing); these are the one mapping between them and the library's, exhaustive
// both ways, so a mode added on either side fails to compile here instead of being recorded
// or replayed as another.

extension WireEncoding {
    /// How a capture names the library's `encoding`.
    init(_ encoding: GatewayEncoding) {
        switch encoding {
        case .json: self = .json
        case .etf: self = .etf
        }
    }
}

extension GatewayEncoding {
    /// The library's encoding for what a capture names.
    init(_ encoding: WireEncoding) {
        switch encoding {
        case .json: self = .json
        case .etf: self = .etf
        }
    }
}

extension WireCompression {
    /// How a capture names the library's `compression`.
    init(_ compression: GatewayCompression) {
        switch compression {
        case .none: self = .none
        case .payload: self = .payload
        case .zlibStream: self = .zlibStream
        case .zstdStream: self = .zstdStream
        }
    }
}

extension GatewayCompression {
    /// The library's compression for what a capture names.
    init(_ compression: WireCompression) {
        switch compression {
        case .none: self = .none
        case .payload: self = .payload
        case .zlibStream: self = .zlibStream
        case .zstdStream: self = .zstdStream
        }
    }
}
