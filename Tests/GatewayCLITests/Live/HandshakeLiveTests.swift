import DiscordGateway
import Foundation
import NIOCore
import NIOPosix
import Testing

/// `gatewayctl handshake URL` (network mode) against the fake gateway on loopback.
@Suite(.serialized) struct HandshakeLiveTests {
    func handshake(_ arguments: [String]) throws -> GatewayctlRun {
        try GatewayctlRun.run(["handshake"] + arguments, record: false)
    }

    func expectSuccess(_ run: GatewayctlRun, _ server: FakeGatewayServer, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.status == 0, "\(run.stderr)", sourceLocation: sourceLocation)
        let lines = run.lines
        #expect(
            lines.contains { $0["kind"] == "upgrade" && $0["dir"] == "out" && $0["request"] != nil },
            sourceLocation: sourceLocation)
        #expect(
            lines.contains { $0["kind"] == "upgrade" && $0["status"] == 101 && $0["accept_matched"] == true },
            "\(run.stdout)", sourceLocation: sourceLocation)
        #expect(
            lines.contains { $0["kind"] == "event" && $0["op"] == 10 && $0["d"]?["heartbeat_interval"] == 250 },
            sourceLocation: sourceLocation)
        #expect(
            lines.contains { $0["kind"] == "close" && $0["by"] == "client" && $0["code"] == 1000 },
            sourceLocation: sourceLocation)
        #expect(
            lines.contains { $0["kind"] == "timing" && $0["upgrade"] != nil && $0["first_message"] != nil },
            sourceLocation: sourceLocation)
        #expect(server.connections.count == 1, sourceLocation: sourceLocation)
        #expect(server.connections.first?.closeCode == 1000, sourceLocation: sourceLocation)
        #expect(server.connections.first?.payloads.isEmpty == true, "no IDENTIFY", sourceLocation: sourceLocation)
    }

    @Test func plainWebSocket() throws {
        let server = try FakeGatewayServer(scenario: .init())
        defer { server.shutdown() }
        let run = try handshake(["--compression", "none", server.url])
        expectSuccess(run, server)
        #expect(server.connections.first?.target == "/?v=10&encoding=json")
    }

    @Test func tlsWithTheTestCA() throws {
        let server = try FakeGatewayServer(tls: try FakeGatewayServer.tlsContext(), scenario: .init())
        defer { server.shutdown() }
        let run = try handshake(
            ["--compression", "none", "--ca-file", FakeGatewayServer.certificatePath("test-ca.pem"), server.url])
        expectSuccess(run, server)
        #expect(run.lines.contains { $0["kind"] == "timing" && $0["tls"] != nil })
    }

    @Test func prettyOutput() throws {
        let server = try FakeGatewayServer(scenario: .init())
        defer { server.shutdown() }
        let run = try handshake(["--compression", "none", "--format", "pretty", server.url])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("HTTP 101 Switching Protocols (accept value matches the request key)"), "\(run.stdout)")
        #expect(run.stdout.contains("HELLO (op 10)"))
        #expect(run.stdout.contains("NORMAL_CLOSURE (1000)"))
        #expect(run.stdout.contains("timing: tcp"))
    }

    @Test func refusedUpgradeShowsTheBodyAndExits69() throws {
        let body = #"{"message": "401: Unauthorized", "code": 0}"#
        let server = try FakeGatewayServer(
            scenario: .init(upgrade: { _ in .reject(status: 401, body: body) }))
        defer { server.shutdown() }
        let run = try handshake(["--compression", "none", server.url])
        #expect(run.status == 69)
        #expect(run.lines.contains { $0["kind"] == "rejected" && $0["status"] == 401 && $0["body"] == .string(body) })
        #expect(run.stderr.contains("HTTP 401 Unauthorized"), "\(run.stderr)")
        let pretty = try handshake(["--compression", "none", "--format", "pretty", server.url])
        #expect(pretty.status == 69)
        #expect(pretty.stdout.contains("HTTP 401 Unauthorized"))
        #expect(pretty.stdout.contains(body), "\(pretty.stdout)")
    }

    @Test func unreachablePortExits69WithAClearMessage() throws {
        let run = try handshake(["--timeout", "3", "ws://127.0.0.1:1"])
        #expect(run.status == 69)
        #expect(run.stderr == "gatewayctl: 127.0.0.1:1 refused the connection (nothing listens there)\n", "\(run.stderr)")
        #expect(run.lines.contains { $0["kind"] == "error" })
    }

    @Test func aSilentServerTimesOutWith69() throws {
        let silent = try MuteGatewayServer(.silent)
        defer { withExtendedLifetime(silent) {} }
        let port = silent.port
        let started = Date()
        let run = try handshake(["--timeout", "0.5", "ws://127.0.0.1:\(port)"])
        #expect(run.status == 69)
        #expect(run.stderr.contains("no answer to the upgrade from 127.0.0.1:\(port) within 0.5 s"), "\(run.stderr)")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func tlsWithTheWrongCAExits69NamingTheFix() throws {
        let server = try FakeGatewayServer(tls: try FakeGatewayServer.tlsContext(), scenario: .init())
        defer { server.shutdown() }
        let run = try handshake(
            ["--compression", "none", "--ca-file", FakeGatewayServer.certificatePath("other-ca.pem"), server.url])
        #expect(run.status == 69)
        #expect(run.stderr.contains("--ca-file"), "\(run.stderr)")
        #expect(run.stderr.contains("certificate is not trusted"), "\(run.stderr)")
        #expect(!run.stderr.contains("/"), "a source path leaked: \(run.stderr)")
    }

    @Test func aCAFileThatIsNotPEMIsADataErrorInEveryCommand() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-pem-\(UUID().uuidString).pem").path
        try "not a certificate\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for arguments in [
            ["handshake", "--ca-file", path, "wss://127.0.0.1:1"],
            ["connect", "wss://127.0.0.1:1", "--ca-file", path],
            ["proxy", "--port", "0", "--ca-file", path],
        ] {
            let run = try GatewayctlRun.run(arguments, record: false)
            #expect(run.status == 65, "\(arguments[0]): \(run.stderr)")
            #expect(run.stderr == "gatewayctl: --ca-file \(path): not PEM certificates\n", "\(run.stderr)")
        }
    }
}
