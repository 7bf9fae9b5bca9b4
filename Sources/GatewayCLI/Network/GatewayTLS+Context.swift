import DiscordGatewayClient
import Foundation
import NIOSSL

extension GatewayTLS {
    /// A client context for `wss://` (the system's trust roots plus `--ca-file`, full certificate and
    /// hostname verification), or an error naming the CA file that could not be used.
    static func makeContext(caFile: String?, keyLog: TLSKeyLog? = nil) throws(ConnectError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let keyLog { configuration.keyLogCallback = { keyLog.append($0) } }
        if let caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw ConnectError(.invalidOption, "--ca-file \(caFile): cannot read the file", exitStatus: .noInput)
            }
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                // A file that is not what it should be is corrupt input (65), as serve's --cert is.
                throw ConnectError(.invalidOption, "--ca-file \(caFile): not PEM certificates", exitStatus: .dataError)
            }
            guard !certificates.isEmpty else {
                throw ConnectError(.invalidOption, "--ca-file \(caFile): no certificate in the file", exitStatus: .dataError)
            }
            configuration.additionalTrustRoots = [.certificates(certificates)]
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConnectError(.invalidOption, "cannot set up TLS: \(error)", exitStatus: .configuration)
        }
    }
}
