import NIOCore

// Why by hand: SwiftNIO SSL reports the negotiated TLS version and the peer's leaf certificate,
// but not the cipher suite, and `--verbose` should say which one a gateway chose. The suite is in
// the clear in the server's first handshake message (ServerHello, RFC 8446 section 4.1.3 and RFC
// 5246 section 7.4.1.3) in every TLS version, so reading that one message off the raw bytes,
// before they reach the TLS handler, is enough; nothing is decrypted or changed.

/// Finds the cipher suite in a server's ServerHello, fed the raw bytes a client reads.
struct TLSServerHelloSniffer {
    /// The outcome once the ServerHello was read (or could not be).
    enum Outcome: Sendable, Hashable {
        /// The suite the server chose.
        case cipherSuite(UInt16)
        /// The bytes are not a TLS handshake that starts with a ServerHello.
        case notFound
    }

    /// The most bytes held while looking: a ServerHello is a few hundred bytes.
    static let limit = 16 << 10

    private var buffered: [UInt8] = []
    private(set) var outcome: Outcome?

    /// Feeds bytes read from the socket; the outcome is set once known.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard outcome == nil else { return }
        buffered.append(contentsOf: bytes.prefix(Self.limit - buffered.count))
        outcome = Self.parse(buffered)
        if outcome == nil && buffered.count >= Self.limit { outcome = .notFound }
        if outcome != nil { buffered = [] }
    }

    /// The outcome for `bytes` from the start of the stream, or nil when more are needed.
    static func parse(_ bytes: [UInt8]) -> Outcome? {
        // A record header: type 22 (handshake), version, length.
        guard bytes.count >= 5 else { return nil }
        guard bytes[0] == 22, bytes[1] == 3 else { return .notFound }
        let recordLength = Int(bytes[3]) << 8 | Int(bytes[4])
        // The handshake header: type 2 (server_hello) and a 24-bit length; then
        // legacy_version (2), random (32), session id (1 + n), cipher_suite (2).
        guard bytes.count >= 6 else { return nil }
        guard bytes[5] == 2 else { return .notFound }
        let sessionIDLengthAt = 5 + 4 + 2 + 32
        guard bytes.count > sessionIDLengthAt else { return nil }
        let suiteAt = sessionIDLengthAt + 1 + Int(bytes[sessionIDLengthAt])
        guard suiteAt + 2 <= 5 + recordLength else { return .notFound }
        guard bytes.count >= suiteAt + 2 else { return nil }
        return .cipherSuite(UInt16(bytes[suiteAt]) << 8 | UInt16(bytes[suiteAt + 1]))
    }

    /// The IANA name of a suite servers commonly choose, else its number in hex.
    static func name(of suite: UInt16) -> String {
        switch suite {
        case 0x1301: "TLS_AES_128_GCM_SHA256"
        case 0x1302: "TLS_AES_256_GCM_SHA384"
        case 0x1303: "TLS_CHACHA20_POLY1305_SHA256"
        case 0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
        case 0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
        case 0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        case 0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        case 0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
        case 0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
        default: "cipher suite 0x" + String(suite, radix: 16, uppercase: true)
        }
    }
}

/// Sits in front of the TLS handler (`--verbose` only) and reads the cipher suite off the
/// server's ServerHello; every byte passes on untouched.
final class TLSCipherObserver: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var sniffer = TLSServerHelloSniffer()

    /// The suite the server chose, once its ServerHello went by.
    var cipherSuite: UInt16? {
        if case .cipherSuite(let suite)? = sniffer.outcome { return suite }
        return nil
    }

    init() {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if sniffer.outcome == nil {
            unwrapInboundIn(data).withUnsafeReadableBytes { sniffer.feed($0) }
        }
        context.fireChannelRead(data)
    }
}
