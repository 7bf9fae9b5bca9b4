import Foundation
import NIOCore
import NIOSSL

/// TLS for `wss://`: SNI names, the server's certificate, and failed handshakes in plain words.
package enum GatewayTLS {
    /// The SNI name for `host`: none for an IP address literal (SNI carries names only; the
    /// certificate is then checked against the address).
    package static func serverName(for host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    /// The leaf certificate the server presented on the channel of `context`, if its TLS handler
    /// got that far: explains a failed verification with the certificate's dates and names.
    package static func peerCertificate(in context: ChannelHandlerContext) -> NIOSSLCertificate? {
        (try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self))?.peerCertificate
    }

    /// What a failed handshake means for the user, in one sentence: the certificate expired (with
    /// the date), does not name the host (with the names it has), is not trusted, or TLS itself failed.
    package static func explain(_ error: any Error, host: String, port: Int, peer: NIOSSLCertificate?) -> String {
        let place = "\(host):\(port)"
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            let names = peer.map(names(of:)) ?? []
            let named = names.isEmpty ? "" : " (it names \(names.joined(separator: ", ")))"
            return "TLS with \(place) failed: the server's certificate does not name \(host)\(named)"
        }
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            let now = time(nil)
            if let peer, peer.notValidAfter < now {
                return "TLS with \(place) failed: the server's certificate expired on \(date(peer.notValidAfter))"
            }
            if let peer, peer.notValidBefore > now {
                return "TLS with \(place) failed: the server's certificate is not valid before \(date(peer.notValidBefore))"
            }
            return "TLS with \(place) failed: the server's certificate is not trusted: it is not signed by a trusted CA "
                + "(for a private CA, pass it with --ca-file PEM)"
        }
        if let sslError = error as? NIOSSLError, case .uncleanShutdown = sslError {
            return "TLS with \(place) failed: the server closed the connection during the TLS handshake"
        }
        return "TLS with \(place) failed: the TLS handshake did not succeed (\(tlsReason(text)))"
    }

    /// The DNS names and IP addresses of a certificate's subjectAltName extension.
    package static func names(of certificate: NIOSSLCertificate) -> [String] {
        certificate._subjectAlternativeNames().compactMap { name in
            let bytes = name.contents.withUnsafeBufferPointer { Array($0) }
            switch name.nameType {
            case .dnsName:
                return String(decoding: bytes, as: UTF8.self)
            case .ipAddress where bytes.count == 4:
                return bytes.map(String.init).joined(separator: ".")
            case .ipAddress where bytes.count == 16:
                return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                    .joined(separator: ":")
            default:
                return nil
            }
        }
    }

    /// The reason BoringSSL gives, without its source file paths: the last `:`-separated word
    /// of each entry of its error stack, e.g. `WRONG_VERSION_NUMBER`.
    package static func tlsReason(_ text: String) -> String {
        var reasons: [String] = []
        var rest = Substring(text)
        while let range = rest.range(of: "error:") {
            let entry = rest[range.upperBound...].prefix { $0 != "," && $0 != "]" && $0 != ")" }
            let fields = entry.split(separator: ":")
            if fields.count >= 4, let reason = fields[3].split(separator: " ").first { reasons.append(String(reason)) }
            rest = rest[range.upperBound...]
        }
        if reasons.isEmpty { return text }
        return reasons.joined(separator: ", ")
    }

    private static func date(_ time: time_t) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(time)))
    }
}
