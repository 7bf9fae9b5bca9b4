/// Close status codes (RFC 6455 §7.4, IANA "WebSocket Close Code Number Registry").
///
/// Codes are plain `UInt16` values in the API because applications define
/// their own (Discord uses 4000...4014); this namespace names the standard
/// ones and says which may appear in a close frame.
public enum WebSocketCloseCode {
    /// 1000: the purpose of the connection has been fulfilled.
    public static let normalClosure: UInt16 = 1000
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    public static let goingAway: UInt16 = 1001
    /// 1002: the peer violated the protocol.
    public static let protocolError: UInt16 = 1002
    /// 1003: the endpoint cannot accept this kind of data.
    public static let unsupportedData: UInt16 = 1003
    /// 1005: reserved; stands for "the close frame carried no status code". Never sent.
    public static let noStatusReceived: UInt16 = 1005
    /// 1006: reserved; stands for "the connection ended without a close frame". Never sent.
    public static let abnormalClosure: UInt16 = 1006
    /// 1007: a message's data was inconsistent with its type (e.g. invalid UTF-8 in text).
    public static let invalidPayloadData: UInt16 = 1007
    /// 1008: a message violated the endpoint's policy.
    public static let policyViolation: UInt16 = 1008
    /// 1009: a frame or message was too big to process.
    public static let messageTooBig: UInt16 = 1009
    /// 1010: the client expected the server to negotiate an extension.
    public static let mandatoryExtension: UInt16 = 1010
    /// 1011: the server hit an unexpected condition.
    public static let internalError: UInt16 = 1011
    /// 1015: reserved; stands for "the TLS handshake failed". Never sent.
    public static let tlsHandshakeFailure: UInt16 = 1015

    /// Whether `code` may appear in a close frame: 1000-1003 and 1007-1014
    /// (defined by RFC 6455 or registered with IANA), and 3000-4999 (libraries
    /// and applications). Everything else, including the reserved
    /// 1004/1005/1006/1015 and the unassigned 1016-2999, is a protocol error.
    public static func isAllowedInCloseFrame(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }
}
