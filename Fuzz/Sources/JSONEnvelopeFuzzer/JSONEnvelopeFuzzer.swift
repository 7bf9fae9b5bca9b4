import FuzzSupport
import GatewayCodecs

// Property: the envelope scanner and the value decoder agree.
// - Whatever decode rejects, scanEnvelope rejects too; when the scanner
//   reports a syntax error (not notAnObject/invalidEnvelope), decode reports
//   the same kind at the same offset.
// - Whatever decode accepts, scanEnvelope accepts exactly when the value is
//   an object whose first `op` is an integer, first `s` an Int64 or null, and
//   first `t` a string or null; then op/s/t match, and the bytes of
//   `dataRange` decode to the first `d`.

private let limits = CodecLimits(maxNestingDepth: 32)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONEnvelope(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput.buffer(data, size)
    let decoded = Result { () throws(JSONDecodingError) in try GatewayJSON.decode(input, limits: limits) }
    let scanned = Result { () throws(JSONDecodingError) in try GatewayJSON.scanEnvelope(input, limits: limits) }

    switch (decoded, scanned) {
    case (.failure, .success(let envelope)):
        FuzzCheck.fail("scanEnvelope accepted what decode rejects (\(decoded)): \(envelope)")
    case (.failure(let decodeError), .failure(let scanError)):
        checkSameSyntaxError(decode: decodeError, scan: scanError)
    case (.success(let value), .failure(let scanError)):
        FuzzCheck.expect(
            expectedEnvelope(of: value) == nil,
            "scanEnvelope rejected a valid envelope \(value): \(scanError)")
        FuzzCheck.expect(
            scanError.kind == .notAnObject || scanError.kind == .invalidEnvelope,
            "scanEnvelope reports a syntax error in valid JSON: \(scanError)")
    case (.success(let value), .success(let envelope)):
        guard let expected = expectedEnvelope(of: value) else {
            FuzzCheck.fail("scanEnvelope accepted \(value), which is not a valid envelope: \(envelope)")
        }
        FuzzCheck.expect(
            envelope.op == expected.op && envelope.sequence == expected.sequence,
            "op/s differ: scanned \(envelope), decoded \(value)")
        FuzzCheck.expect(
            sameScalars(envelope.eventName, expected.eventName), "t differs: scanned \(envelope), decoded \(value)")
        checkDataRange(envelope.dataRange, in: input, expected: expected.data)
    }
    return 0
}

private func checkSameSyntaxError(decode: JSONDecodingError, scan: JSONDecodingError) {
    guard scan.kind != .notAnObject && scan.kind != .invalidEnvelope else { return }
    FuzzCheck.expect(
        scan.kind == decode.kind && scan.offset == decode.offset,
        "scanner and decoder disagree: scan \(scan.kind) at \(scan.offset) (\(scan)), decode \(decode.kind) at \(decode.offset) (\(decode))"
    )
}

private func checkDataRange(_ range: Range<Int>?, in input: UnsafeRawBufferPointer, expected: GatewayValue?) {
    guard let range else {
        FuzzCheck.expect(expected == nil, "no dataRange, but d is \(String(describing: expected))")
        return
    }
    guard let expected else { FuzzCheck.fail("dataRange \(range) but the object has no d") }
    FuzzCheck.expect(range.lowerBound >= 0 && range.upperBound <= input.count, "dataRange \(range) outside the input")
    do {
        let data = try GatewayJSON.decode(UnsafeRawBufferPointer(rebasing: input[range]), limits: limits)
        FuzzCheck.expect(
            GatewayJSON.encode(data) == GatewayJSON.encode(expected),
            "bytes of dataRange decode to \(data), d is \(expected)")
    } catch {
        FuzzCheck.fail("bytes of dataRange \(range) do not decode: \(error)")
    }
}
