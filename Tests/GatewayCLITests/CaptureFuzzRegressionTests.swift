import Testing
@testable import CaptureFormats

/// Inputs the `capture-read` fuzz target found, each reduced to its point.
@Suite struct CaptureFuzzRegressionTests {
    /// The first line of every capture below.
    static let headerLine = #"{"type":"header","format":"gatewayctl-capture","version":1,"tool":"t","url":"wss://g/","#
        + #""encoding":"json","compression":"none","started":"s"}"# + "\n"

    static func firstError(_ file: [UInt8]) throws -> CaptureError? {
        var reader = try CaptureReader(source: MemoryByteSource(file))
        do {
            while try reader.next() != nil {}
        } catch {
            return error
        }
        return nil
    }

    /// A base64 error in an escaped `data` string pointed past the end of the
    /// file: positions in the unescaped text (where each invalid UTF-8 byte
    /// had become a three-byte U+FFFD) were added to the file offset. Such an
    /// error now points at the string.
    @Test func aBase64ErrorInAnEscapedStringPointsInsideTheFile() throws {
        let prefix = Array(#"{"type":"chunk","dir":"in","t":0,"conn":1,"data":""#.utf8)
        let data = [UInt8](repeating: 0xFF, count: 40) + Array(#"QUJD\\"#.utf8)
        let file = Array(Self.headerLine.utf8) + prefix + data + Array("\"}\n".utf8)
        let error = try #require(try Self.firstError(file))
        #expect(error.kind == .malformedRecord)
        #expect(error.line == 2)
        #expect(error.offset == Self.headerLine.utf8.count + prefix.count)
        #expect(error.description.contains("not valid base64"))
    }

    /// Without escapes the error still names the offending character's byte.
    @Test func aBase64ErrorInAPlainStringPointsAtTheCharacter() throws {
        let prefix = Array(#"{"type":"chunk","dir":"in","t":0,"conn":1,"data":""#.utf8)
        let file = Array(Self.headerLine.utf8) + prefix + Array("QU*D\"}\n".utf8)
        let error = try #require(try Self.firstError(file))
        #expect(error.offset == Self.headerLine.utf8.count + prefix.count + 2)
    }
}
