import NIOSSL
import Testing

@testable import GatewayCLI

/// The subject and issuer `--verbose` shows, read from certificates' DER.
@Suite struct CertificateNamesTests {
    @Test func theTestCertificatesNamesAndTheirIssuers() throws {
        let server = try #require(try NIOSSLCertificate.fromPEMFile(FakeGatewayServer.certificatePath("server.pem")).first)
        let names = try #require(CertificateNames.subjectAndIssuer(der: try server.toDERBytes()))
        #expect(names.subject == "CN=localhost")
        #expect(names.issuer == "CN=gatewayctl test CA")
        // A self-signed CA is its own issuer.
        let ca = try #require(try NIOSSLCertificate.fromPEMFile(FakeGatewayServer.certificatePath("test-ca.pem")).first)
        let caNames = try #require(CertificateNames.subjectAndIssuer(der: try ca.toDERBytes()))
        #expect(caNames.subject == caNames.issuer)
    }

    @Test func whatIsNotACertificateIsNil() {
        #expect(CertificateNames.subjectAndIssuer(der: []) == nil)
        #expect(CertificateNames.subjectAndIssuer(der: [0x30, 0x03, 0x02, 0x01, 0x01]) == nil)
        #expect(CertificateNames.subjectAndIssuer(der: Array("not DER".utf8)) == nil)
    }
}
