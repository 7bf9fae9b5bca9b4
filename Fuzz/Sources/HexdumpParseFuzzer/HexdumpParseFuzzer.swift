import CaptureFormats
import FuzzSupport

// Properties of HexdumpParser (what `gatewayctl decode` reads). The first
// decision picks one of two checks.
//
// Arbitrary text, read as every format and with format detection:
// - never a crash; an error names a line and column inside the text;
// - a cap (0...64, chosen by the fuzzer) either changes nothing (the bytes
//   fit) or fails with tooLarge; the bytes never exceed it.
//
// Bytes the fuzzer gives, printed the way xxd, `hexdump -C` (with its `*`
// lines for repeats), `od -An -tx1 -v`, `xxd -p` and wrapped base64 print
// them: each text is detected as its format (base64 is only ever read when
// asked for) and reads back as exactly those bytes.
//
// Input: text or bytes from the front; decisions from the back.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHexdumpParse(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzedData(FuzzInput.buffer(data, size))
    if input.decisionBool() {
        let cap = input.decision(in: 0...64)
        let text = Array(input.remainingPayload())
        for format in [nil] + HexdumpFormat.allCases.map(Optional.some) {
            checkArbitraryText(text, format: format, cap: cap)
        }
    } else {
        let bytes = Array(input.remainingPayload())
        guard !bytes.isEmpty else { return 0 }
        checkReadsBack(bytes, xxd(bytes), .xxd)
        checkReadsBack(bytes, hexdumpCanonical(bytes), .hexdumpCanonical)
        checkReadsBack(bytes, od(bytes), .od)
        checkReadsBack(bytes, plain(bytes), .plain)
        checkReadsBack(bytes, base64(bytes), .base64, detected: false)
    }
    return 0
}

private func checkArbitraryText(_ text: [UInt8], format: HexdumpFormat?, cap: Int) {
    let lineCount = text.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    let unlimited = Result { () throws(HexdumpError) in try HexdumpParser.parse(text, format: format) }
    let capped = Result { () throws(HexdumpError) in try HexdumpParser.parse(text, format: format, limit: cap) }
    for case .failure(let error) in [unlimited, capped] {
        FuzzCheck.expect(
            error.line >= 1 && error.line <= lineCount && error.column >= 1 && error.column <= text.count + 1,
            "\(error) is outside the text (\(lineCount) lines, \(text.count) bytes)")
        FuzzCheck.expect(!error.message.isEmpty, "an error without a message")
    }
    switch (unlimited, capped) {
    case (.success(let expected), .success(let parsed)):
        FuzzCheck.expect(parsed == expected, "a cap of \(cap) changed the bytes read")
        FuzzCheck.expect(parsed.bytes.count <= cap, "\(parsed.bytes.count) bytes read under a cap of \(cap)")
    case (.success(let expected), .failure(let error)):
        FuzzCheck.expect(
            error.kind == .tooLarge && expected.bytes.count > cap,
            "\(expected.bytes.count) bytes fail under a cap of \(cap): \(error)")
    case (.failure(let error), .success(let parsed)):
        FuzzCheck.fail("the capped parse read \(parsed.bytes.count) bytes, the uncapped one failed: \(error)")
    case (.failure, .failure):
        break
    }
    if let format, case .success(let parsed) = unlimited {
        FuzzCheck.expect(parsed.format == format, "asked for \(format), read as \(parsed.format)")
    }
}

private func checkReadsBack(_ bytes: [UInt8], _ text: [UInt8], _ format: HexdumpFormat, detected: Bool = true) {
    if detected {
        let guess = HexdumpParser.detectFormat(text)
        FuzzCheck.expect(guess == format, "\(format) text detected as \(guess):\n\(String(decoding: text, as: UTF8.self))")
    }
    do {
        let parsed = try HexdumpParser.parse(text, format: detected ? nil : format)
        FuzzCheck.expect(
            parsed.bytes == bytes,
            "\(format) text reads back as \(parsed.bytes.count) other bytes:\n\(String(decoding: text, as: UTF8.self))")
    } catch {
        FuzzCheck.fail("\(format) text does not parse: \(error)\n\(String(decoding: text, as: UTF8.self))")
    }
}

// MARK: the formats, as the tools print them

private let hexDigits = Array("0123456789abcdef".utf8)

private func appendHex(_ byte: UInt8, to text: inout [UInt8]) {
    text.append(hexDigits[Int(byte >> 4)])
    text.append(hexDigits[Int(byte & 0x0F)])
}

private func appendOffset(_ offset: Int, digits: Int, to text: inout [UInt8]) {
    for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
        text.append(hexDigits[(offset >> shift) & 0x0F])
    }
}

private func printable(_ byte: UInt8) -> UInt8 { (0x20..<0x7F).contains(byte) ? byte : UInt8(ascii: ".") }

/// `xxd`: `00000010: 6520 0102 ...  e ..`, 16 bytes a line, hex padded to 39 columns.
private func xxd(_ bytes: [UInt8]) -> [UInt8] {
    var text: [UInt8] = []
    for start in stride(from: 0, to: bytes.count, by: 16) {
        let line = bytes[start..<min(start + 16, bytes.count)]
        appendOffset(start, digits: 8, to: &text)
        text += Array(": ".utf8)
        var hex: [UInt8] = []
        for (index, byte) in line.enumerated() {
            if index > 0 && index % 2 == 0 { hex.append(UInt8(ascii: " ")) }
            appendHex(byte, to: &hex)
        }
        text += hex + [UInt8](repeating: UInt8(ascii: " "), count: 39 - hex.count)
        text += Array("  ".utf8) + line.map(printable) + [UInt8(ascii: "\n")]
    }
    return text
}

/// `hexdump -C`: `00000010  65 20 ... 00  00 ...  |e ..|`, a `*` line for
/// lines repeating the one before, and the end offset on a line of its own.
private func hexdumpCanonical(_ bytes: [UInt8]) -> [UInt8] {
    var text: [UInt8] = []
    var previous: ArraySlice<UInt8>?
    var starred = false
    for start in stride(from: 0, to: bytes.count, by: 16) {
        let line = bytes[start..<min(start + 16, bytes.count)]
        if line.count == 16, let previous, previous.elementsEqual(line) {
            if !starred { text += Array("*\n".utf8) }
            starred = true
            continue
        }
        starred = false
        previous = line
        appendOffset(start, digits: 8, to: &text)
        text.append(UInt8(ascii: " "))
        var hex: [UInt8] = []
        for (index, byte) in line.enumerated() {
            hex.append(UInt8(ascii: " "))
            if index == 8 { hex.append(UInt8(ascii: " ")) }
            appendHex(byte, to: &hex)
        }
        text += hex + [UInt8](repeating: UInt8(ascii: " "), count: 49 - hex.count)
        text += Array("  |".utf8) + line.map(printable) + Array("|\n".utf8)
    }
    appendOffset(bytes.count, digits: 8, to: &text)
    text.append(UInt8(ascii: "\n"))
    return text
}

/// `od -An -tx1 -v`: ` 7b 22 6f ...`, 16 bytes a line.
private func od(_ bytes: [UInt8]) -> [UInt8] {
    var text: [UInt8] = []
    for start in stride(from: 0, to: bytes.count, by: 16) {
        for byte in bytes[start..<min(start + 16, bytes.count)] {
            text.append(UInt8(ascii: " "))
            appendHex(byte, to: &text)
        }
        text.append(UInt8(ascii: "\n"))
    }
    return text
}

/// `xxd -p`: 30 bytes (60 digits) a line.
private func plain(_ bytes: [UInt8]) -> [UInt8] {
    var text: [UInt8] = []
    for start in stride(from: 0, to: bytes.count, by: 30) {
        for byte in bytes[start..<min(start + 30, bytes.count)] { appendHex(byte, to: &text) }
        text.append(UInt8(ascii: "\n"))
    }
    return text
}

/// Base64 wrapped at 76 characters, as `base64` prints it.
private func base64(_ bytes: [UInt8]) -> [UInt8] {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var encoded: [UInt8] = []
    for start in stride(from: 0, to: bytes.count, by: 3) {
        let group = bytes[start..<min(start + 3, bytes.count)]
        var value = 0
        for (index, byte) in group.enumerated() { value |= Int(byte) << (16 - 8 * index) }
        for index in 0..<4 {
            encoded.append(index <= group.count ? alphabet[(value >> (18 - 6 * index)) & 0x3F] : UInt8(ascii: "="))
        }
    }
    var text: [UInt8] = []
    for start in stride(from: 0, to: encoded.count, by: 76) {
        text += encoded[start..<min(start + 76, encoded.count)] + [UInt8(ascii: "\n")]
    }
    return text
}
