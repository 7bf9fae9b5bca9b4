import DiscordGatewayClient
import Foundation
import NIOCore
import NIOSSL

/// What `--verbose` says about a connection: the address it reached and what TLS agreed on.
///
/// SwiftNIO SSL exposes the negotiated TLS version and the server's leaf certificate, whose
/// subject and issuer name the chain's first link (``CertificateNames``); the cipher suite is
/// read off the ServerHello (``TLSCipherObserver``). The intermediate certificates themselves
/// are out of reach: BoringSSL verifies them without handing them out, and TLS 1.3 sends them
/// encrypted.
enum ConnectionDetail {
    /// `93.184.216.34:443`, or `[2606:2800::1]:443`.
    static func address(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return "an unknown address" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    /// `TLS 1.3, TLS_AES_128_GCM_SHA256; server certificate: names ..., valid 2025-01-01 to 2026-01-01; serial ...`.
    static func tls(in context: ChannelHandlerContext, alpn: String?) -> String {
        let handler = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self)
        var text = "TLS " + version(handler?.tlsVersion)
        let observer = try? context.pipeline.syncOperations.handler(type: TLSCipherObserver.self)
        if let suite = observer?.cipherSuite { text += ", " + TLSServerHelloSniffer.name(of: suite) }
        if let alpn { text += " (ALPN \(alpn))" }
        if let certificate = handler?.peerCertificate { text += "; " + describe(certificate) }
        return text
    }

    /// The server's leaf certificate: its names and validity.
    static func describe(_ certificate: NIOSSLCertificate) -> String {
        let names = GatewayTLS.names(of: certificate)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        let from = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(certificate.notValidBefore)))
        let until = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(certificate.notValidAfter)))
        let named = names.isEmpty ? "no subjectAltName" : "names " + names.joined(separator: ", ")
        let serial = certificate.serialNumber.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        var text = "server certificate: "
        if let der = try? certificate.toDERBytes(), let names = CertificateNames.subjectAndIssuer(der: der) {
            text += "subject \(names.subject); issuer \(names.issuer); "
        }
        return text + "\(named); valid \(from) to \(until); serial \(serial)"
    }

    private static func version(_ version: TLSVersion?) -> String {
        switch version {
        case .tlsv13?: "1.3"
        case .tlsv12?: "1.2"
        case .tlsv11?: "1.1"
        case .tlsv1?: "1.0"
        case nil: "(version unknown)"
        @unknown default: "(a newer version)"
        }
    }
}
