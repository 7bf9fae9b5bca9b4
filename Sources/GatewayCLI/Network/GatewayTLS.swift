import Foundation
import NIOCore
import NIOSSL

/// TLS for `wss://`: the system's trust roots (plus `--ca-file`), full certificate and hostname
/// verification, SNI for host names.
enum GatewayTLS {
    /// A client context, or an error naming the CA file that could not be used.
    static func makeContext(caFile: String?) throws(ConnectError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw ConnectError(.invalidOption, "--ca-file \(caFile): cannot read the file", exitStatus: .noInput)
            }
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw ConnectError(
                    .invalidOption, "--ca-file \(caFile): not PEM certificates (\(error))", exitStatus: .configuration)
            }
            guard !certificates.isEmpty else {
                throw ConnectError(.invalidOption, "--ca-file \(caFile): no certificate in the file", exitStatus: .configuration)
            }
            configuration.additionalTrustRoots = [.certificates(certificates)]
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConnectError(.invalidOption, "cannot set up TLS: \(error)", exitStatus: .configuration)
        }
    }

    /// The SNI name for `host`: none for an IP address literal (SNI carries names only; the
    /// certificate is then checked against the address).
    static func serverName(for host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    /// What a failed handshake means for the user.
    static func explain(_ error: any Error, host: String, port: Int) -> String {
        let text = String(describing: error)
        var message = "TLS with \(host):\(port) failed: \(text)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            message += " — the server's certificate is not signed by a trusted CA (for a private CA, pass it with --ca-file PEM)"
        } else if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            message += " — the certificate does not name \(host)"
        }
        return message
    }
}
