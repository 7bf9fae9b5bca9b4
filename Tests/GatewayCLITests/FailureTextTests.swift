@testable import DiscordGateway
import DiscordGatewayClient
import Foundation
import NIOCore
import NIOPosix
import Testing
import WebSocketProtocol

@testable import GatewayCLI

/// How the end of a connection and a failed socket become one exit status and one sentence.
@Suite struct DisconnectOutcomeTests {
    func disconnect(
        _ initiator: GatewayDisconnect.Initiator, _ cause: GatewayDisconnect.Cause, code: UInt16? = nil,
        reason: String = "", truncation: WebSocketTruncation? = nil, closeTimedOut: Bool = false
    ) -> GatewayDisconnect {
        let closeCode = code.map(GatewayCloseCode.init(rawValue:))
        return GatewayDisconnect(
            initiator: initiator, cause: cause, code: closeCode, reason: reason,
            canReconnect: closeCode?.canReconnect ?? true, willResume: true, truncation: truncation,
            closeTimedOut: closeTimedOut)
    }

    func outcome(_ disconnect: GatewayDisconnect) -> DisconnectOutcome {
        DisconnectOutcome(disconnect, timeout: .seconds(3))
    }

    @Test func protocolFaultsAre76AndNameWhere() {
        let violation = WebSocketProtocolError(.reservedBitsSet, "reserved bits 0x40 set", offset: 195)
        let broken = outcome(disconnect(.client, .protocolViolation(violation), code: 1002))
        #expect(broken.status == .protocolError)
        #expect(broken.cause == "the server broke the WebSocket protocol: reserved bits 0x40 set (at byte 195)")
        #expect(broken.cause.contains("at byte 195"))

        let undecodable = GatewayDecodingError(layer: .gateway, message: "HELLO without a positive heartbeat_interval", offset: nil)
        let hello = outcome(disconnect(.client, .undecodablePayload(undecodable), code: 4002))
        #expect(hello.status == .protocolError)
        #expect(hello.cause.hasPrefix("the server sent a payload that cannot be decoded: "))
        #expect(hello.cause.contains("heartbeat_interval"))

        let silent = outcome(disconnect(.client, .helloTimeout, code: 4000))
        #expect(silent.status == .protocolError)
        #expect(silent.cause == "the server sent no HELLO within 3 s of the upgrade (--timeout)")
    }

    @Test func theFirstCauseWinsOverAnUnansweredClose() {
        let silent = outcome(disconnect(.client, .helloTimeout, code: 4000, closeTimedOut: true))
        #expect(silent.cause == "the server sent no HELLO within 3 s of the upgrade (--timeout)")
        #expect(!silent.closeUnanswered)
        let zombie = outcome(disconnect(.client, .zombieConnection, code: 4000, closeTimedOut: true))
        #expect(zombie.status == .unavailable)
        #expect(zombie.cause.contains("did not acknowledge a heartbeat"))
    }

    @Test func aRequestedCloseIsCleanUnlessItWentUnanswered() {
        #expect(outcome(disconnect(.client, .requested, code: 1000)).status == .ok)
        let unanswered = outcome(disconnect(.client, .requested, code: 1000, closeTimedOut: true))
        #expect(unanswered.status == .protocolError)
        #expect(unanswered.closeUnanswered)
        #expect(unanswered.cause == "the server did not answer our close within 3 s (--timeout)")
    }

    @Test func theServerEndingTheSessionIs69AndFatalCodesKeepTheirOwn() {
        let closed = outcome(disconnect(.server, .serverClosed, code: 4000, reason: "try again"))
        #expect(closed.status == .unavailable)
        #expect(closed.cause == "the server closed the connection with \(GatewayCloseCode(rawValue: 4000)) \"try again\"")
        #expect(outcome(disconnect(.server, .serverClosed, code: 4004)).status == .authenticationFailed)
        #expect(outcome(disconnect(.server, .serverClosed, code: 4014)).status == .configuration)
        #expect(outcome(disconnect(.server, .serverClosed, code: 1000)).status == .unavailable)
        #expect(outcome(disconnect(.client, .reconnectRequested, code: 4000)).cause == "the server asked for a reconnect (op 7 RECONNECT)")
        #expect(outcome(disconnect(.client, .invalidSession(resumable: false), code: 1000)).status == .unavailable)
    }

    @Test func aDropSaysWhereTheInputStopped() {
        #expect(
            outcome(disconnect(.transport, .endOfInput)).cause
                == "the server dropped the connection without a close frame")
        let header = WebSocketFrameHeader(
            fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: .text, maskingKey: nil, payloadLength: 100,
            headerLength: 2, offset: 250)
        let cut = outcome(disconnect(.transport, .endOfInput, truncation: .framePayload(header: header, missing: 60)))
        #expect(cut.status == .unavailable)
        #expect(cut.cause == "the server dropped the connection inside the frame at byte 250 (60 of its 100 payload bytes missing)")
        #expect(
            outcome(disconnect(.transport, .endOfInput, truncation: .handshake(received: 12))).cause
                == "the server dropped the connection before the end of its upgrade response (12 bytes of it arrived)")
    }
}

/// Socket and TLS failures in plain words, without NIO's or BoringSSL's internals.
@Suite struct NetworkFailureTextTests {
    @Test func socketErrorsAreSentences() {
        #expect(NetworkFailureText.explain(errno: ECONNREFUSED, place: "127.0.0.1:1") == "127.0.0.1:1 refused the connection (nothing listens there)")
        #expect(NetworkFailureText.explain(errno: ECONNRESET, place: "h:1") == "h:1 reset the connection")
        #expect(NetworkFailureText.explain(errno: ENETUNREACH, place: "h:1") == "the network of h:1 is unreachable")
        let timeout = NetworkFailureText.explain(
            ChannelError.connectTimeout(.seconds(2)), host: "10.0.0.1", port: 443, timeout: .milliseconds(2500))
        #expect(timeout == "no TCP connection to 10.0.0.1:443 within 2.5 s (--timeout)")
        let io = NetworkFailureText.explain(IOError(errnoCode: ECONNREFUSED, reason: "connect"), host: "h", port: 1, timeout: nil)
        #expect(io == "h:1 refused the connection (nothing listens there)")
    }

    @Test func aRealRefusedConnectionHasNoLibraryNamesInIt() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let result = Result { try ClientBootstrap(group: group).connect(host: "127.0.0.1", port: 1).wait() }
        guard case .failure(let error) = result else { Issue.record("port 1 accepted a connection"); return }
        let text = NetworkFailureText.explain(error, host: "127.0.0.1", port: 1, timeout: .seconds(10))
        #expect(text == "127.0.0.1:1 refused the connection (nothing listens there)")
    }

    @Test func anUnresolvableNameIsNamed() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let host = "no-such-host.invalid"
        let result = Result { try ClientBootstrap(group: group).connect(host: host, port: 443).wait() }
        guard case .failure(let error) = result else { Issue.record("\(host) resolved"); return }
        let text = NetworkFailureText.explain(error, host: host, port: 443, timeout: .seconds(10))
        #expect(text == "the name no-such-host.invalid could not be resolved", "\(error)")
    }

    @Test func boringSSLStacksBecomeTheirReasons() {
        let stack = "handshakeFailed(BoringSSLError.sslError([Error: 268435703 error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER at /build/x/handshake.cc:123]))"
        #expect(GatewayTLS.tlsReason(stack) == "WRONG_VERSION_NUMBER")
        #expect(GatewayTLS.tlsReason("something else") == "something else")
    }
}
