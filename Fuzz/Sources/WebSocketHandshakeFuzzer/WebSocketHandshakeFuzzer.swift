import FuzzSupport
import WebSocketProtocol

// Property: any server bytes from the very start (the HTTP response itself),
// read in any chunk sizes, end in exactly one closed or rejected event (last;
// the state matches), with any error's offset inside the input; nothing is
// written before an accepted upgrade, and after one everything written
// parses as masked client frames (see WebSocketFuzzSession). A read split
// must not change the outcome: the same bytes in one read give the same events.
//
// The client's key is RFC 6455's sample key, whose accept value
// (s3pPLMBiTxaQ9kYGzzhZRbK+xOo=) is in the dictionary, so the fuzzer can
// reach the frames after a 101.
//
// Input: response bytes from the front; decisions from the back: each
// read's size (1...256) and whether the rejection body cap is small.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebSocketHandshake(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzedData(FuzzInput.buffer(data, size))
    let smallLimits = input.decisionBool()
    let configuration = WebSocketConfiguration(
        maxFrameSize: 1024, maxMessageSize: 1024,
        maxHandshakeResponseHeaderSize: smallLimits ? 256 : 64 << 10, maxRejectionBodySize: smallLimits ? 16 : 64 << 10)
    let reads = input.chunkedRemainder(maxChunk: 256)

    var session = WebSocketFuzzSession(configuration: configuration)
    for read in reads { session.receive(read) }
    session.finish()

    // The same bytes in one read.
    var whole = WebSocketFuzzSession(configuration: configuration)
    reads.flatMap { Array($0) }.withUnsafeBytes { whole.receive($0) }
    whole.finish()
    FuzzCheck.expect(
        whole.events == session.events,
        "one read gives \(whole.events.count) events, \(reads.count) reads give \(session.events.count)")
    return 0
}
