import FuzzSupport
import GatewayCodecs

// Property: decoding arbitrary bytes ends in a value or a JSONDecodingError
// whose offset lies inside the input; a decoded value survives
// encode -> decode unchanged (compact and pretty), and encoding is stable.
// A small depth cap keeps deep-nesting inputs within the fuzzer's budget.

private let limits = CodecLimits(maxNestingDepth: 32)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONDecode(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput.buffer(data, size)
    let value: GatewayValue
    do {
        value = try GatewayJSON.decode(input, limits: limits)
    } catch {
        FuzzCheck.expect(
            error.offset >= 0 && error.offset <= input.count,
            "error offset \(error.offset) outside 0...\(input.count): \(error)")
        FuzzCheck.expect(!error.message.isEmpty, "error without a message: \(error.kind)")
        return 0
    }

    let compact = GatewayJSON.encode(value)
    let again: GatewayValue
    do {
        again = try GatewayJSON.decode(compact, limits: limits)
    } catch {
        FuzzCheck.fail("encoded value does not decode: \(error); JSON: \(String(decoding: compact, as: UTF8.self))")
    }
    FuzzCheck.expect(again == value, "round trip changed the value: \(value) became \(again)")
    // Byte equality also catches what `==` forgives: -0.0 vs 0.0, canonically equivalent strings.
    let compactAgain = GatewayJSON.encode(again)
    FuzzCheck.expect(
        compactAgain == compact,
        "encoding is not stable: \(String(decoding: compact, as: UTF8.self)) then \(String(decoding: compactAgain, as: UTF8.self))"
    )

    let pretty = Array(GatewayJSON.prettyPrinted(value).utf8)
    do {
        let fromPretty = try GatewayJSON.decode(pretty, limits: limits)
        FuzzCheck.expect(
            GatewayJSON.encode(fromPretty) == compact, "pretty output decodes to a different value: \(fromPretty)")
    } catch {
        FuzzCheck.fail("pretty output does not decode: \(error)")
    }
    return 0
}
