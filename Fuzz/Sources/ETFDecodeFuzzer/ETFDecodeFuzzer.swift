import FuzzSupport
import GatewayCodecs

// Properties of GatewayETF (depth cap 16, inflate cap 4 KiB):
// - decode ends in a value or an error whose offset lies in the input (in
//   the inflated term for an error inside a COMPRESSED payload).
// - A decoded value encodes (decode never yields what ETF cannot carry), the
//   encoding decodes to the same value, and re-encoding gives the same bytes.
// - scanEnvelope accepts exactly what decode accepts when the value is a map
//   whose first `op` is an integer, first `s` an Int64 or nil, and first `t`
//   a string or nil; then op/s/t match and decodeData gives the first `d`.
//   When both fail and the scanner reports something other than
//   invalidEnvelope, the two errors agree on kind and offset.
// - appendJSON (rendering a term as JSON without building it) gives exactly
//   the JSON encoding of decodeTerm's value, or exactly its error, and leaves
//   the output as it was on an error (not for a COMPRESSED term, which it
//   does not take).

private let limits = CodecLimits(maxNestingDepth: 16, maxDecompressedPayloadSize: 4096)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzETFDecode(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput.buffer(data, size)
    let decoded = Result { () throws(ETFDecodingError) in try GatewayETF.decode(input, limits: limits) }
    let scanned = Result { () throws(ETFDecodingError) in try GatewayETF.scanEnvelope(input, limits: limits) }

    if case .failure(let error) = decoded { checkOffset(error, inputCount: input.count) }
    if case .failure(let error) = scanned { checkOffset(error, inputCount: input.count) }
    if case .success(let value) = decoded { checkRoundTrip(value) }
    if input.count > 1 && input[0] == 131 && input[1] != 80 { checkJSONTranscoding(input) }

    switch (decoded, scanned) {
    case (.failure(let decodeError), .success(let scan)):
        FuzzCheck.fail("scanEnvelope accepted \(scan.envelope) what decode rejects: \(decodeError)")
    case (.failure(let decodeError), .failure(let scanError)):
        guard scanError.kind != .invalidEnvelope else { break }
        FuzzCheck.expect(
            scanError.kind == decodeError.kind && scanError.offset == decodeError.offset
                && scanError.isInInflatedTerm == decodeError.isInInflatedTerm,
            "scanner and decoder disagree: scan \(scanError), decode \(decodeError)")
    case (.success(let value), .failure(let scanError)):
        FuzzCheck.expect(
            expectedEnvelope(of: value) == nil, "scanEnvelope rejected a valid envelope \(value): \(scanError)")
        FuzzCheck.expect(scanError.kind == .invalidEnvelope, "scanEnvelope reports \(scanError) for a valid term")
    case (.success(let value), .success(let scan)):
        guard let expected = expectedEnvelope(of: value) else {
            FuzzCheck.fail("scanEnvelope accepted \(value), which is not a valid envelope: \(scan.envelope)")
        }
        let envelope = scan.envelope
        FuzzCheck.expect(
            envelope.op == expected.op && envelope.sequence == expected.sequence
                && sameScalars(envelope.eventName, expected.eventName),
            "op/s/t differ: scanned \(envelope), decoded \(value)")
        checkData(of: scan, payload: input, expected: expected.data)
    }
    return 0
}

private func checkOffset(_ error: ETFDecodingError, inputCount: Int) {
    let bound = error.isInInflatedTerm ? limits.maxDecompressedPayloadSize : inputCount
    FuzzCheck.expect(error.offset >= 0 && error.offset <= bound, "error offset outside the input (\(inputCount) bytes): \(error)")
}

private func checkRoundTrip(_ value: GatewayValue) {
    let encoded: [UInt8]
    do {
        encoded = try GatewayETF.encode(value)
    } catch {
        FuzzCheck.fail("a decoded value does not encode: \(error); value \(value)")
    }
    do {
        let again = try GatewayETF.decode(encoded, limits: limits)
        FuzzCheck.expect(again == value, "encode -> decode changed \(value) into \(again)")
        let reencoded = try GatewayETF.encode(again)
        FuzzCheck.expect(reencoded == encoded, "re-encoding \(value) gave different bytes")
    } catch {
        FuzzCheck.fail("the encoding of \(value) does not decode: \(error); bytes \(encoded)")
    }
}

private func checkData(of scan: ETFEnvelopeScan, payload: UnsafeRawBufferPointer, expected: GatewayValue?) {
    do {
        let data = try GatewayETF.decodeData(of: scan, payload: payload, limits: limits)
        FuzzCheck.expect(data == expected, "decodeData gives \(String(describing: data)), d is \(String(describing: expected))")
    } catch {
        FuzzCheck.fail("decodeData failed after a successful scan: \(error)")
    }
}

private func checkJSONTranscoding(_ input: UnsafeRawBufferPointer) {
    let range = 1..<input.count
    let reference = Result { () throws(ETFDecodingError) in
        GatewayJSON.encode(try GatewayETF.decodeTerm(input, range: range, limits: limits))
    }
    let prefix = Array("prefix".utf8)
    var output = prefix
    let transcoded = Result { () throws(ETFDecodingError) in
        try GatewayETF.appendJSON(ofTerm: input, range: range, limits: limits, to: &output)
    }
    switch (reference, transcoded) {
    case (.success(let expected), .success):
        FuzzCheck.expect(
            output.starts(with: prefix) && output.dropFirst(prefix.count).elementsEqual(expected),
            "appendJSON wrote \(String(decoding: output, as: UTF8.self)), expected \(String(decoding: expected, as: UTF8.self))")
    case (.failure(let expected), .failure(let error)):
        FuzzCheck.expect(error == expected, "appendJSON failed with \(error), decodeTerm with \(expected)")
        FuzzCheck.expect(output == prefix, "appendJSON changed the output before failing")
    case (.success, .failure(let error)):
        FuzzCheck.fail("appendJSON failed (\(error)) on a term decodeTerm takes")
    case (.failure(let expected), .success):
        FuzzCheck.fail("appendJSON succeeded on a term decodeTerm rejects (\(expected))")
    }
}
