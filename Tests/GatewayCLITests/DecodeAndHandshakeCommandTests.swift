import Foundation
import Testing
@testable import CaptureFormats
@testable import GatewayCLI

/// `gatewayctl decode` run as a user runs it.
@Suite(.enabled(if: CommandRunner.binary != nil)) struct DecodeCommandTests {
    static let fixtures = "Tests/GatewayCLITests/Fixtures/decode/"

    /// What every format of frames.bin decodes to, after the line naming the format.
    static let expected = """
        {"kind":"info","message":"the input starts with a WebSocket frame header: decoding frames"}
        {"kind":"frame","dir":"in","offset":0,"opcode":"binary","fin":true,"masked":false,"length":64}
        {"kind":"layer","layer":"zlib-stream","in":64,"out":60}
        {"kind":"layer","layer":"json","in":60,"out":null}
        {"kind":"event","dir":"in","op":10,"t":null,"s":null,"d":{"heartbeat_interval":41250}}
        {"kind":"frame","dir":"in","offset":66,"opcode":"binary","fin":true,"masked":false,"length":221}
        {"kind":"layer","layer":"zlib-stream","in":221,"out":349}
        {"kind":"layer","layer":"json","in":349,"out":null}
        {"kind":"event","dir":"in","op":0,"t":"READY","s":1,"d":{"v":10,"user":{"id":"1099511627776000001","username":"sample-bot","discriminator":"0","bot":true},"guilds":[{"id":"1099511627776000100","unavailable":true}],"session_id":"aece91d3903d3804b8dbfe06314e1574","resume_gateway_url":"wss://gateway-us-east1-b.discord.gg","application":{"id":"1099511627776000001","flags":0}}}
        {"kind":"frame","dir":"out","offset":291,"opcode":"text","fin":true,"masked":true,"length":14}
        {"kind":"layer","layer":"json","in":14,"out":null}
        {"kind":"sent","dir":"out","op":1,"t":null,"s":null,"d":4}
        {"kind":"frame","dir":"in","offset":311,"opcode":"close","fin":true,"masked":false,"length":2}
        {"kind":"info","message":"close NORMAL_CLOSURE (1000): the connection was closed normally"}

        """

    @Test(arguments: [
        ("frames.xxd", "xxd"), ("frames.xxd-p", "plain hex"), ("frames.xxd-g1-c8", "xxd"),
        ("frames.hexdump-C", "hexdump -C"), ("frames.od-v", "od -An -tx1"), ("frames.c-array", "plain hex"),
        ("frames.colons", "plain hex"),
    ])
    func everyHexdumpFormatDecodesTheSameFrames(file: String, format: String) throws {
        let result = try CommandRunner.run(["decode", "--format", "jsonl", "--file", Self.fixtures + file])
        #expect(result.status == 0)
        #expect(result.lines.first == "{\"kind\":\"info\",\"message\":\"315 bytes read as \(format)\"}")
        #expect(result.lines.dropFirst().joined(separator: "\n") + "\n" == Self.expected)
    }

    @Test func base64FromStandardInput() throws {
        let text = try CommandRunner.bytes(Self.fixtures + "frames.base64")
        let result = try CommandRunner.run(["decode", "--base64", "--format", "jsonl"], stdin: text)
        #expect(result.status == 0)
        #expect(result.lines.dropFirst().joined(separator: "\n") + "\n" == Self.expected)
        let dash = try CommandRunner.run(["decode", "--base64", "--format", "jsonl", "-"], stdin: text)
        #expect(dash.stdout == result.stdout)
    }

    @Test func hexFromTheArgumentInPrettyForm() throws {
        let result = try CommandRunner.run([
            "decode", "--format", "pretty", "--color", "never", "0x81 0x12 7b226f70223a31312c2264223a6e756c6c7d",
        ])
        #expect(result.status == 0)
        #expect(
            result.stdout == """
                # 20 bytes read as plain hex
                # the input starts with a WebSocket frame header: decoding frames
                ← frame text FIN length=18 @0
                  json: 18 bytes
                ← HEARTBEAT_ACK (op 11)

                """)
    }

    @Test func standaloneLayersAreSniffedOrNamed() throws {
        // {"op":11,"d":null} through zlib-stream (Python's zlib, Z_SYNC_FLUSH).
        let stream = try CommandRunner.run(["decode", "--format", "jsonl", "--base64", "eJyqVsovULIyNNRRSlGyyivNyakFAAAA//8="])
        #expect(stream.lines.dropFirst() == [
            "{\"kind\":\"layer\",\"layer\":\"zlib-stream\",\"in\":26,\"out\":18}",
            "{\"kind\":\"layer\",\"layer\":\"json\",\"in\":18,\"out\":null}",
            "{\"kind\":\"event\",\"op\":11,\"t\":null,\"s\":null,\"d\":null}",
        ])
        // ETF for {"op" => 11, "d" => nil} (erlang:term_to_binary with binary keys).
        let etf = "83 74 00 00 00 02 6d 00 00 00 02 6f 70 61 0b 6d 00 00 00 01 64 73 03 6e 69 6c"
        let decoded = try CommandRunner.run(["decode", "--format", "jsonl", etf])
        #expect(decoded.status == 0)
        #expect(decoded.lines.last == "{\"kind\":\"event\",\"op\":11,\"t\":null,\"s\":null,\"d\":null}")
        let json = try CommandRunner.run(["decode", "--format", "jsonl", "--as", "json", "5b 31 2c 32 5d"])
        #expect(json.lines.last == "{\"kind\":\"value\",\"encoding\":\"json\",\"value\":[1,2]}")
    }

    @Test func badHexNamesLineAndColumn() throws {
        let result = try CommandRunner.run(["decode", "-"], stdin: Array("81 12\n7b 2g\n".utf8))
        #expect(result.status == 65)
        #expect(result.stderr.contains("line 2, column 5: expected a hex digit or a separator, found 'g'"))
        let odd = try CommandRunner.run(["decode", "81 1"])
        #expect(odd.status == 65)
        #expect(try CommandRunner.run(["decode", "-"], stdin: []).status == 65)
    }

    @Test func undecodableBytesNameTheLayerAndOffset() throws {
        let truncated = try CommandRunner.run(["decode", "81 12 7b 22"])
        #expect(truncated.status == 65)
        #expect(truncated.stderr.contains("websocket layer, byte 4: the input ends inside a frame"))
        let badJSON = try CommandRunner.run(["decode", "--as", "json", "7b 22 6f 70 22 3a 7d"])
        #expect(badJSON.status == 65)
        #expect(badJSON.stderr.contains("json layer, byte 6"))
        let badZlib = try CommandRunner.run(["decode", "--as", "zlib", "78 9c 00"])
        #expect(badZlib.status == 65)
        #expect(badZlib.stderr.contains("zlib layer"))
    }

    // What no gateway layer claims is shown for what it is, and is not an error: the layer
    // that carried it (the hex, a frame) decoded cleanly.

    @Test func rfc6455sHelloFrameIsShownAsText() throws {
        // RFC 6455 section 5.7: a single-frame unmasked text message.
        let result = try CommandRunner.run(["decode", "--format", "pretty", "--color", "never", "81 05 48 65 6c 6c 6f"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout == """
                # 7 bytes read as plain hex
                # the input starts with a WebSocket frame header: decoding frames
                ← frame text FIN length=5 @0
                ← text (5 bytes): "Hello"
                # not a gateway payload: it starts with 48 65 6c 6c, which is not JSON, ETF (131), zlib (78 xx) or zstd (28 b5 2f fd)

                """)
        #expect(result.stderr.isEmpty)
    }

    @Test func controlFramesShowTheirPayloads() throws {
        // RFC 6455 section 5.7: an unmasked ping "Hello", a masked pong "Hello", an empty ping,
        // and a close with 1001 and a reason.
        let frames = "89 05 48 65 6c 6c 6f  8a 85 37 fa 21 3d 7f 9f 4d 51 58  89 00  88 06 03 e9 62 79 65 21"
        let result = try CommandRunner.run(["decode", "--format", "jsonl", frames])
        #expect(result.status == 0, "\(result.stderr)")
        let messages = result.lines.filter { $0.contains("\"kind\":\"message\"") }
        #expect(
            messages == [
                #"{"kind":"message","dir":"in","type":"ping","length":5,"text":"Hello"}"#,
                #"{"kind":"message","dir":"out","type":"pong","length":5,"text":"Hello"}"#,
                #"{"kind":"message","dir":"in","type":"ping","length":0,"text":""}"#,
            ])
        #expect(result.lines.contains { $0.contains(#"close GOING_AWAY (1001) \"bye!\""#) }, "\(result.stdout)")
    }

    @Test func binaryNoLayerClaimsIsAHexDumpWithASCII() throws {
        let result = try CommandRunner.run(
            ["decode", "--format", "pretty", "--color", "never", "82 12 00 01 02 41 42 43 ff fe 10 11 12 13 14 15 16 17 18 7a"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains("""
                ← binary (18 bytes):
                    00000000  00 01 02 41 42 43 ff fe  10 11 12 13 14 15 16 17  |...ABC..........|
                    00000010  18 7a                                             |.z|
                # not a gateway payload: it starts with 00 01 02 41
                """), "\(result.stdout)")
        let unknown = try CommandRunner.run(["decode", "--format", "jsonl", "ff ee dd"])
        #expect(unknown.status == 0)
        #expect(unknown.lines.contains(#"{"kind":"message","type":"bytes","length":3,"hex":"ff ee dd"}"#), "\(unknown.stdout)")
    }

    @Test func bytesBrokenAtTheLayerThatClaimsThemAreStillAnError() throws {
        // '{' claims JSON: broken JSON is 65, as a corrupt zlib stream or bad ETF is.
        let json = try CommandRunner.run(["decode", "81 03 7b 22 61"])
        #expect(json.status == 65)
        #expect(json.stderr.contains("json layer"), "\(json.stderr)")
        let etf = try CommandRunner.run(["decode", "82 02 83 ff"])
        #expect(etf.status == 65)
        #expect(etf.stderr.contains("etf layer"), "\(etf.stderr)")
    }

    @Test func aMissingFileExits66AndConflictingInputs64() throws {
        #expect(try CommandRunner.run(["decode", "--file", "no/such/file"]).status == 66)
        #expect(try CommandRunner.run(["decode", "--file", "x", "81 00"]).status == 64)
        #expect(try CommandRunner.run(["decode", "--as", "gzip", "81 00"]).status == 64)
    }
}

/// `gatewayctl handshake` run as a user runs it.
@Suite(.enabled(if: CommandRunner.binary != nil)) struct HandshakeCommandTests {
    /// RFC 6455 §1.3's example key and accept value.
    static let key = "dGhlIHNhbXBsZSBub25jZQ=="
    static let accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

    @Test func printsTheExactRequest() throws {
        let result = try CommandRunner.run(["handshake", "--print", "--key", Self.key, "wss://gateway.discord.gg"])
        #expect(result.status == 0)
        #expect(
            result.stdout
                == "GET /?v=10&encoding=json&compress=zlib-stream HTTP/1.1\r\nHost: gateway.discord.gg\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(Self.key)\r\n"
                + "Sec-WebSocket-Version: 13\r\nUser-Agent: swift-discord-gateway\r\n\r\n")
        let options = try CommandRunner.run([
            "handshake", "--print", "--key", Self.key, "--encoding", "etf", "--compression", "none", "--api-version", "9",
            "--header", "User-Agent: DiscordBot (example, 1.0)", "ws://127.0.0.1:8080/gateway?shard=1",
        ])
        #expect(options.stdout.hasPrefix("GET /gateway?shard=1&v=9&encoding=etf HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"))
        #expect(options.stdout.contains("\r\nUser-Agent: DiscordBot (example, 1.0)\r\n\r\n"))
        #expect(!options.stdout.contains("swift-discord-gateway"))
    }

    @Test func aMatchingResponseIsValid() throws {
        let response = "HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Accept: \(Self.accept)\n\n"
        let result = try CommandRunner.run(["handshake", "--check", "-", "--key", Self.key], stdin: Array(response.utf8))
        #expect(result.status == 0)
        #expect(result.stdout.contains("expected accept: \(Self.accept)\nactual accept:   \(Self.accept) (matches)\n"))
        #expect(result.stdout.hasSuffix("result: valid: the server accepted the upgrade\n"))
    }

    @Test func aWrongAcceptValueIsADataError() throws {
        let response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAA\r\n\r\n"
        try withTemporaryPath("response.txt") { path in
            try Data(response.utf8).write(to: URL(fileURLWithPath: path))
            let result = try CommandRunner.run(["handshake", "--check", path, "--key", Self.key])
            #expect(result.status == 65)
            #expect(result.stdout.contains("expected accept: \(Self.accept)\nactual accept:   AAAA\n"))
            #expect(result.stderr.contains("Sec-WebSocket-Accept"))
        }
        let missingUpgrade = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(Self.accept)\r\n\r\n"
        #expect(try CommandRunner.run(["handshake", "--check", "-", "--key", Self.key], stdin: Array(missingUpgrade.utf8)).status == 65)
        #expect(try CommandRunner.run(["handshake", "--check", "-", "--key", Self.key], stdin: Array("HTTP/1.1 101".utf8)).status == 65)
    }

    @Test func aRefusedUpgradeExits69WithItsBody() throws {
        let response = "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nbad token :(\n"
        let result = try CommandRunner.run(["handshake", "--check", "-", "--key", Self.key], stdin: Array(response.utf8))
        #expect(result.status == 69)
        #expect(result.stdout.contains("status: HTTP/1.1 401 Unauthorized\nheader: Content-Type: text/plain\n"))
        #expect(result.stdout.contains("body:\nbad token :(\n"))
        #expect(result.stderr.contains("refused the WebSocket upgrade with HTTP 401"))
    }

    @Test func usageErrors() throws {
        #expect(try CommandRunner.run(["handshake", "--print", "--check", "-", "--key", Self.key]).status == 64)
        #expect(try CommandRunner.run(["handshake", "--timeout", "0"]).status == 64)
        #expect(try CommandRunner.run(["handshake", "--print", "--key", "short"]).status == 64)
        #expect(try CommandRunner.run(["handshake", "--check", "-"]).status == 64)
        #expect(try CommandRunner.run(["handshake", "--check", "no/such/file", "--key", Self.key]).status == 66)
        #expect(try CommandRunner.run(["handshake", "--print", "http://example.com"]).status == 64)
    }
}
