import GatewayCodecs

/// Why received payload bytes could not be decoded.
public struct GatewayDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which layer failed.
    public enum Layer: String, Sendable, Hashable {
        /// Transport or payload decompression.
        case decompression
        /// JSON text.
        case json
        /// ETF bytes.
        case etf
        /// A well-formed payload that breaks the gateway's rules (e.g. HELLO without an interval).
        case gateway
    }

    /// Which layer failed.
    public var layer: Layer
    /// A human-readable explanation naming the byte offset within the layer's input, when known.
    public var message: String
    /// The byte offset within the layer's input, when known.
    public var offset: Int?
    /// For a message a ``GatewayConnection`` received: where the message lies in the connection's
    /// input, as the stream offset of its last frame's header (counted from the first byte of
    /// the server's HTTP response), so an inspector can point at the frame that carried it.
    public var frameOffset: Int?

    /// Creates an error.
    public init(layer: Layer, message: String, offset: Int?) {
        self.layer = layer
        self.message = message
        self.offset = offset
    }

    init(_ error: DecompressionError) {
        self.init(layer: .decompression, message: error.description, offset: error.offset)
    }

    init(_ error: JSONDecodingError) {
        self.init(layer: .json, message: error.description, offset: error.offset)
    }

    init(_ error: ETFDecodingError) {
        self.init(layer: .etf, message: error.description, offset: error.offset)
    }

    public var description: String { "\(layer.rawValue): \(message)" }
}

/// Dispatch to the codec of a connection's encoding.
enum GatewayCodec {
    struct Scanned {
        var envelope: GatewayEnvelope
        /// The bytes the envelope's ranges refer to (ETF may inflate a compressed top-level term).
        var bytes: [UInt8]
        /// Whether `bytes` is a bare ETF term (an inflated `COMPRESSED` payload) without the version byte.
        var isBareTerm = false
    }

    static func scan(_ bytes: [UInt8], encoding: GatewayEncoding, limits: CodecLimits) throws(GatewayDecodingError)
        -> Scanned
    {
        switch encoding {
        case .json:
            do {
                return Scanned(envelope: try GatewayJSON.scanEnvelope(bytes, limits: limits), bytes: bytes)
            } catch {
                throw GatewayDecodingError(error)
            }
        case .etf:
            do {
                let result = try GatewayETF.scanEnvelope(bytes, limits: limits)
                if let inflated = result.inflatedTerm {
                    return Scanned(envelope: result.envelope, bytes: inflated, isBareTerm: true)
                }
                return Scanned(envelope: result.envelope, bytes: bytes)
            } catch {
                throw GatewayDecodingError(error)
            }
        }
    }

    static func decodeData(_ bytes: [UInt8], range: Range<Int>, encoding: GatewayEncoding, limits: CodecLimits)
        throws(GatewayDecodingError) -> GatewayValue
    {
        switch encoding {
        case .json:
            let result: Result<GatewayValue, JSONDecodingError> = bytes.withUnsafeBytes { buffer in
                Result { () throws(JSONDecodingError) in
                    try GatewayJSON.decode(UnsafeRawBufferPointer(rebasing: buffer[range]), limits: limits)
                }
            }
            do { return try result.get() } catch { throw GatewayDecodingError(error) }
        case .etf:
            let result: Result<GatewayValue, ETFDecodingError> = bytes.withUnsafeBytes { buffer in
                Result { () throws(ETFDecodingError) in try GatewayETF.decodeTerm(buffer, range: range, limits: limits) }
            }
            do { return try result.get() } catch { throw GatewayDecodingError(error) }
        }
    }

    static func decodeWhole(_ bytes: [UInt8], encoding: GatewayEncoding, isBareTerm: Bool, limits: CodecLimits)
        throws(GatewayDecodingError) -> GatewayValue
    {
        switch encoding {
        case .json:
            do { return try GatewayJSON.decode(bytes, limits: limits) } catch { throw GatewayDecodingError(error) }
        case .etf where isBareTerm:
            return try decodeData(bytes, range: 0..<bytes.count, encoding: .etf, limits: limits)
        case .etf:
            do { return try GatewayETF.decode(bytes, limits: limits) } catch { throw GatewayDecodingError(error) }
        }
    }

    static func encode(_ value: GatewayValue, encoding: GatewayEncoding) throws(GatewaySendError) -> [UInt8] {
        switch encoding {
        case .json:
            return GatewayJSON.encode(value)
        case .etf:
            do {
                return try GatewayETF.encode(value)
            } catch {
                throw GatewaySendError(.unencodable, "cannot encode the payload as ETF: \(error)")
            }
        }
    }
}
