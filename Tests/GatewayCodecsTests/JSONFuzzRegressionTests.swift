import Testing

@testable import GatewayCodecs

/// Inputs found by the `json-envelope` and `json-decode` fuzz targets (see
/// Fuzz/README.md), each reduced to its smallest form, with the property the
/// fuzzer checked: the envelope scanner accepts and rejects exactly what the
/// decoder does, with the same error kind and offset.
@Suite("JSON fuzz regressions")
struct JSONFuzzRegressionTests {
    private static func outcome(
        _ body: () throws(JSONDecodingError) -> Void
    ) -> (kind: JSONDecodingError.Kind, offset: Int)? {
        do {
            try body()
            return nil
        } catch {
            return (error.kind, error.offset)
        }
    }

    /// Found by json-envelope: the scanner validated the grammar of numbers
    /// outside `op`/`s` but not their range, so it accepted payloads the
    /// decoder rejects with numberOutOfRange.
    @Test(
        "the scanner rejects doubles beyond Double's range, as the decoder does",
        arguments: [
            (#"{"op":0,"d":1e400}"#, 12),
            (#"{"op":0,"d":[-1.5e309]}"#, 13),
            (#"{"op":0,"x":{"y":0.5e309}}"#, 17),
            (#"{"op":0,"d":1.7976931348623159e308}"#, 12),
            (#"{"a":1,"a":-1e4002,"big":1}"#, 11),
        ])
    func outOfRangeDoubles(text: String, offset: Int) {
        let bytes = Array(text.utf8)
        let decoded = Self.outcome { () throws(JSONDecodingError) in _ = try GatewayJSON.decode(bytes) }
        let scanned = Self.outcome { () throws(JSONDecodingError) in _ = try GatewayJSON.scanEnvelope(bytes) }
        #expect(decoded?.kind == .numberOutOfRange && decoded?.offset == offset)
        #expect(scanned?.kind == .numberOutOfRange && scanned?.offset == offset)
    }

    /// The range check must not reject numbers that merely look large.
    @Test(
        "the scanner accepts doubles at the edges of Double's range",
        arguments: [
            #"{"op":0,"d":1.7976931348623157e308}"#,
            #"{"op":0,"d":100000000000000000000000e285}"#,
            #"{"op":0,"d":0e999999}"#,
            #"{"op":0,"d":0.000e400}"#,
            #"{"op":0,"d":1e-400}"#,
            #"{"op":0,"d":-4.9e-324}"#,
        ])
    func edgeDoubles(text: String) throws {
        let bytes = Array(text.utf8)
        let value = try GatewayJSON.decode(bytes)
        let envelope = try GatewayJSON.scanEnvelope(bytes)
        let range = try #require(envelope.dataRange)
        #expect(try GatewayJSON.decode(Array(bytes[range])) == value["d"])
    }
}
