import Foundation
import Testing
@testable import CaptureFormats
@testable import GatewayCLI

@Suite struct Base64AndJSONTests {
    @Test func base64MatchesFoundationForEveryLengthAndByte() throws {
        var random = SystemRandomNumberGenerator()
        for length in 0...66 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            var encoded: [UInt8] = []
            bytes.withUnsafeBytes { Base64.encode($0, appendingTo: &encoded) }
            #expect(String(decoding: encoded, as: UTF8.self) == Data(bytes).base64EncodedString())
            #expect(try encoded.withUnsafeBytes { try Base64.decode($0) } == bytes)
            #expect(try encoded.withUnsafeBytes { try Base64.decodeLenient($0) } == bytes)
        }
        let all = Array(0...255).map(UInt8.init)
        var encoded: [UInt8] = []
        all.withUnsafeBytes { Base64.encode($0, appendingTo: &encoded) }
        #expect(try encoded.withUnsafeBytes { try Base64.decode($0) } == all)
    }

    @Test(arguments: [("QQ", 2), ("Q===", 1), ("QQ=A", 2), ("Q Q=", 1), ("QQ==QQ==", 2), ("\u{00}AAA", 0)])
    func strictBase64RejectsAnythingButCanonicalText(text: String, index: Int) {
        let error = #expect(throws: Base64.DecodingError.self) {
            _ = try Array(text.utf8).withUnsafeBytes { try Base64.decode($0) }
        }
        #expect(error?.index == index)
    }

    @Test func lenientBase64AcceptsWrappingAndMissingPadding() throws {
        #expect(try Array(" QUJD\nRA\n".utf8).withUnsafeBytes { try Base64.decodeLenient($0) } == Array("ABCD".utf8))
        #expect(try Array("QUJDRA==".utf8).withUnsafeBytes { try Base64.decodeLenient($0) } == Array("ABCD".utf8))
    }

    @Test func scannerDecodesEscapesLikeFoundation() throws {
        let line = #"{"a\"b":"\u00e9\ud83d\ude00\n\t\\\/x","n":-1.5e+3,"o":{"k":[1,true,null,"}"]},"e":""}"#
        let fields = try Array(line.utf8).withUnsafeBytes { bytes in
            var scanner = JSONLineScanner(bytes)
            return try scanner.scanObjectFields().map { field -> (String, String) in
                let range = field.value.range
                if case .string(_, let escaped) = field.value {
                    return (field.key, try JSONLineScanner.decodeString(bytes, range, hasEscapes: escaped))
                }
                return (field.key, String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self))
            }
        }
        #expect(fields.map(\.0) == [#"a"b"#, "n", "o", "e"])
        let foundation = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(fields[0].1 == foundation[#"a"b"#] as? String)
        #expect(fields[1].1 == "-1.5e+3")
        #expect(fields[2].1 == #"{"k":[1,true,null,"}"]}"#)
        #expect(fields[3].1 == "")
    }

    @Test(arguments: [
        (#"{"a":1"#, 6), (#"{"a":01}"#, 6), (#"{"a":tru}"#, 5), (#"{"a":"\x"}"#, 7), ("{\"a\":\"\u{01}\"}", 6),
        (#"{"a":[1,]}"#, 8), (#"{"a":{"b"}}"#, 9), (#"{a:1}"#, 1), (#"{"a":-}"#, 6), (#"{"a":1.}"#, 7),
        (#"{"a":"\u12"}"#, 10),
    ])
    func scannerRejectsInvalidJSONAtTheRightOffset(line: String, offset: Int) {
        let error = #expect(throws: JSONLineScanner.SyntaxError.self) {
            _ = try Array(line.utf8).withUnsafeBytes { bytes in
                var scanner = JSONLineScanner(bytes)
                return try scanner.scanObjectFields()
            }
        }
        #expect(error?.offset == offset, "\(line): \(String(describing: error))")
    }

    @Test func scannerLimitsNesting() {
        let deep = "{\"a\":" + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}"
        #expect(throws: JSONLineScanner.SyntaxError.self) {
            _ = try Array(deep.utf8).withUnsafeBytes { bytes in
                var scanner = JSONLineScanner(bytes)
                return try scanner.scanObjectFields()
            }
        }
    }
}
