import Testing
@testable import CaptureFormats
@testable import GatewayCLI

/// Real first messages: Python's zlib (`zlib.compress`, and a compressobj
/// flushed with Z_SYNC_FLUSH as Discord's zlib-stream is), the zstd CLI,
/// and an ETF map as erlpack encodes it.
@Suite struct PayloadSnifferTests {
    static let hello = Array(#"{"op":10,"d":{"heartbeat_interval":41250},"s":null,"t":null}"#.utf8)
    // zlib.compress(hello)
    static let standaloneZlib = hex(
        "789cab56ca2f50b23234d0514a51b2aa56ca484d2c2a494a4d2c89cfcc2b492d2a4bcc51b23231343235a8d5512a56b2ca2bcdc9d1512a81306a0141c8135c")
    // c = zlib.compressobj(); c.compress(hello) + c.flush(zlib.Z_SYNC_FLUSH)
    static let zlibStream = hex(
        "789caa56ca2f50b23234d0514a51b2aa56ca484d2c2a494a4d2c89cfcc2b492d2a4bcc51b23231343235a8d5512a56b2ca2bcdc9d1512a81306a01000000ffff")
    // printf '{"op":10}' | zstd -c
    static let zstd = hex("28b52ffd04584900007b226f70223a31307d25e4fe13")
    // term_to_binary(#{<<"op">> => 11})
    static let etf: [UInt8] = [131, 116, 0, 0, 0, 1, 109, 0, 0, 0, 2, 111, 112, 97, 11]

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var encoding: WireEncoding?
        var compression: WireCompression?
        var reasonContains: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "JSON", bytes: hello, encoding: .json, compression: WireCompression.none, reasonContains: "'{'"),
        Case(name: "JSON after whitespace", bytes: Array("\n {}".utf8), encoding: .json, compression: WireCompression.none, reasonContains: "JSON"),
        Case(name: "ETF", bytes: etf, encoding: .etf, compression: WireCompression.none, reasonContains: "131"),
        Case(name: "payload zlib", bytes: standaloneZlib, encoding: .json, compression: .payload, reasonContains: "78 9c"),
        Case(name: "zlib-stream", bytes: zlibStream, encoding: nil, compression: .zlibStream, reasonContains: "00 00 ff ff"),
        Case(name: "zlib-stream level 1", bytes: hex("7801aa5600000000ffff"), encoding: nil, compression: .zlibStream, reasonContains: "78 01"),
        Case(name: "zstd", bytes: zstd, encoding: nil, compression: .zstdStream, reasonContains: "28 b5 2f fd"),
        Case(name: "bad zlib check", bytes: hex("789d0000"), encoding: nil, compression: nil, reasonContains: "78 9d 00 00"),
        Case(name: "zlib with a preset dictionary", bytes: hex("78bb0000"), encoding: nil, compression: nil, reasonContains: "not JSON"),
        Case(name: "empty", bytes: [], encoding: nil, compression: nil, reasonContains: "empty"),
        Case(name: "text", bytes: Array("hello".utf8), encoding: nil, compression: nil, reasonContains: "68 65 6c 6c"),
    ]

    @Test(arguments: cases)
    func guessesTheFormatOfAFirstMessage(test: Case) {
        let guess = PayloadSniffer.sniffMessage(test.bytes)
        #expect(guess.encoding == test.encoding)
        #expect(guess.compression == test.compression)
        #expect(guess.reason.contains(test.reasonContains), "\(guess.reason)")
    }

    @Test func zlibHeaderCheckMatchesRFC1950() {
        // Every valid header for deflate, 32 KiB window, no dictionary, as zlib writes them.
        for flg in [0x01, 0x5E, 0x9C, 0xDA] as [UInt8] { #expect(PayloadSniffer.isZlibHeader(0x78, flg)) }
        var validCount = 0
        for flg in 0...255 where PayloadSniffer.isZlibHeader(0x78, UInt8(flg)) { validCount += 1 }
        #expect(validCount == 4)  // FCHECK leaves 8 values, FDICT excludes half
        #expect(!PayloadSniffer.isZlibHeader(0x79, 0x9C))
    }

    struct InputCase: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var kind: InputFormatGuess.Kind
        var reasonContains: String
        var testDescription: String { name }
    }

    static let inputCases: [InputCase] = [
        InputCase(name: "capture", bytes: Array(#"{"type":"header"}"#.utf8), kind: .captureRecording, reasonContains: "capture recording"),
        InputCase(name: "HTTP", bytes: Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n".utf8),
            kind: .rawDumpWithHandshake, reasonContains: "(HTTP/1.1 101 Switching Protocols)"),
        InputCase(name: "text frame", bytes: [0x81, 0x3C, 0x7B], kind: .rawDumpWithoutHandshake, reasonContains: "text, FIN=1, unmasked, length 60"),
        InputCase(name: "binary frame 16-bit", bytes: [0x82, 0x7E, 0x01, 0x00], kind: .rawDumpWithoutHandshake, reasonContains: "binary, FIN=1, unmasked, 16-bit length"),
        InputCase(name: "first fragment", bytes: [0x02, 0x7F], kind: .rawDumpWithoutHandshake, reasonContains: "binary, FIN=0, unmasked, 64-bit length"),
        InputCase(name: "close", bytes: [0x88, 0x02, 0x03, 0xE8], kind: .rawDumpWithoutHandshake, reasonContains: "close"),
        InputCase(name: "fragmented ping", bytes: [0x09, 0x00], kind: .unknown, reasonContains: "09 00"),
        InputCase(name: "RSV bit", bytes: [0xC1, 0x00], kind: .unknown, reasonContains: "neither"),
        InputCase(name: "reserved opcode", bytes: [0x83, 0x00], kind: .unknown, reasonContains: "83 00"),
        InputCase(name: "one byte", bytes: [0x81], kind: .unknown, reasonContains: "81"),
        InputCase(name: "empty", bytes: [], kind: .unknown, reasonContains: "empty"),
    ]

    @Test(arguments: inputCases)
    func guessesWhatKindOfInputAFileIs(test: InputCase) {
        let guess = PayloadSniffer.sniffInput(test.bytes)
        #expect(guess.kind == test.kind)
        #expect(guess.reason.contains(test.reasonContains), "\(guess.reason)")
    }
}
