import Testing
import WebSocketProtocol

@Suite struct WebSocketURLTests {
    @Test func discordGateway() throws {
        let url = try WebSocketURL("wss://gateway.discord.gg/?v=10&encoding=json")
        #expect(url.isSecure && url.host == "gateway.discord.gg" && url.port == 443)
        #expect(url.requestTarget == "/?v=10&encoding=json")
        #expect(url.hostHeader == "gateway.discord.gg")
    }

    @Test func defaultsAndPorts() throws {
        let plain = try WebSocketURL("ws://example.com")
        #expect(!plain.isSecure && plain.port == 80 && plain.requestTarget == "/" && plain.hostHeader == "example.com")
        let query = try WebSocketURL("WS://example.com?x=1")
        #expect(query.requestTarget == "/?x=1")
        let custom = try WebSocketURL("ws://localhost:8080/a/b?c=d")
        #expect(custom.port == 8080 && custom.hostHeader == "localhost:8080" && custom.requestTarget == "/a/b?c=d")
        let explicitDefault = try WebSocketURL("wss://h:443/")
        #expect(explicitDefault.hostHeader == "h")
        #expect(explicitDefault.description == "wss://h/")
    }

    @Test func ipv6() throws {
        let url = try WebSocketURL("ws://[::1]:9000/x")
        #expect(url.host == "::1" && url.port == 9000 && url.hostHeader == "[::1]:9000")
        #expect(try WebSocketURL("wss://[2001:db8::1]").hostHeader == "[2001:db8::1]")
    }

    @Test func refusals() {
        let cases: [(String, WebSocketURLError.Kind)] = [
            ("http://example.com", .unsupportedScheme), ("example.com", .unsupportedScheme),
            ("ws://", .invalidHost), ("ws://:80/", .invalidHost), ("ws://[::1/", .invalidHost), ("ws://[zz]/", .invalidHost),
            ("ws://h:0/", .invalidPort), ("ws://h:65536/", .invalidPort), ("ws://h:/", .invalidPort), ("ws://h:8a/", .invalidPort),
            ("ws://u:p@h/", .userInfoNotAllowed), ("ws://h/#frag", .fragmentNotAllowed),
            ("ws://h/a b", .invalidCharacter), ("ws://h/é", .invalidCharacter), ("ws://h<>/", .invalidHost),
        ]
        for (string, kind) in cases {
            #expect(throws: WebSocketURLError.self, "\(string)") { try WebSocketURL(string) }
            do { _ = try WebSocketURL(string) } catch { #expect(error.kind == kind, "\(string): \(error)") }
        }
    }
}
