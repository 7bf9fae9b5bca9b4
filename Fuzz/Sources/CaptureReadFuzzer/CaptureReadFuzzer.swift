import CaptureFormats
import FuzzSupport

// Properties of the readers `gatewayctl replay` opens a file with
// (CaptureSource: sniffing, then CaptureReader for recordings or
// RawDumpReader for raw dumps), on arbitrary file bytes:
// - never a crash or an endless loop: each record consumes input;
// - how the file arrives does not matter: read in one piece and in
//   fuzzer-chosen small reads, the same choice, the same records, the same
//   error, warning and skipped-record count;
// - an error is a data error (never an I/O or caller error) whose line and
//   byte offset, when given, lie inside the file;
// - a raw dump's chunks are contiguous and are exactly the file's bytes;
// - a record-length cap (16...4096) either changes nothing or ends the
//   records with recordTooLong after a prefix of the same records.
//
// Input: the file from the front; decisions from the back: the small read
// size (1...64), the cap, and whether the file is a raw dump without its
// handshake (`--no-handshake`).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCaptureRead(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzedData(FuzzInput.buffer(data, size))
    let readSize = input.decision(in: 1...64)
    let cap = input.decision(in: 16...4096)
    let layout: CaptureSource<MemoryByteSource>.Layout = input.decisionBool() ? .rawDumpWithoutHandshake : .detect
    let file = Array(input.remainingPayload())

    let whole = readAll(MemoryByteSource(file), layout: layout)
    let pieces = readAll(MemoryByteSource(file, maxReadSize: readSize), layout: layout)
    FuzzCheck.expect(
        whole.isSameOutcome(as: pieces), "reads of \(readSize) bytes give \(pieces), one read gives \(whole)")
    whole.checkBounds(fileSize: file.count)
    if case .rawDump(let chunks, _) = whole.result {
        checkRawDumpChunks(chunks, file: file, layout: layout)
    }

    let capped = readAll(MemoryByteSource(file), layout: layout, maxRecordLength: cap)
    if !capped.isSameOutcome(as: whole) {
        switch capped.result {
        case .openFailed(let error) where error.kind == .recordTooLong:
            break
        case .recording(let records, _, _, let error?) where error.kind == .recordTooLong:
            guard case .recording(let all, _, _, _) = whole.result, all.starts(with: records) else {
                FuzzCheck.fail("a record cap of \(cap) gives \(capped), without it \(whole)")
            }
        default:
            FuzzCheck.fail("a record cap of \(cap) gives \(capped), without it \(whole)")
        }
    }
    return 0
}

/// Everything read from one file.
private struct Outcome: CustomStringConvertible {
    enum Result {
        case openFailed(CaptureError)
        case recording([CaptureRecord], warning: CaptureWarning?, skipped: Int, error: CaptureError?)
        case rawDump([RawDumpChunk], error: InputError?)
        /// A pcap or pcapng file (the packet-capture target checks its reader in depth).
        case packetCapture([CaptureRecord], fault: CaptureError?)
    }
    var reason: String?
    var result: Result

    func isSameOutcome(as other: Outcome) -> Bool {
        guard reason == other.reason else { return false }
        switch (result, other.result) {
        case (.openFailed(let a), .openFailed(let b)): return a == b
        case (.recording(let a, let aw, let asK, let ae), .recording(let b, let bw, let bs, let be)):
            return a == b && aw == bw && asK == bs && ae == be
        case (.rawDump(let a, let ae), .rawDump(let b, let be)):
            // Chunk boundaries follow the reads; the bytes and their offsets may not.
            return a.flatMap(\.bytes) == b.flatMap(\.bytes) && a.first?.offset == b.first?.offset && ae == be
        case (.packetCapture(let a, let af), .packetCapture(let b, let bf)): return a == b && af == bf
        default: return false
        }
    }

    func checkBounds(fileSize: Int) {
        switch result {
        case .openFailed(let error), .recording(_, _, _, let error?), .packetCapture(_, let error?):
            FuzzCheck.expect(
                error.kind != .io && error.kind != .invalidRecord && !error.message.isEmpty,
                "not a data error: \(error)")
            FuzzCheck.expect(
                (error.offset ?? 0) >= 0 && (error.offset ?? 0) <= fileSize && (error.line ?? 1) >= 1,
                "\(error) is outside a file of \(fileSize) bytes")
        case .recording(let records, let warning, let skipped, nil):
            if let warning {
                FuzzCheck.expect(warning.offset >= 0 && warning.offset <= fileSize, "\(warning) is outside the file")
            }
            FuzzCheck.expect(records.count + skipped <= fileSize, "\(records.count) records from \(fileSize) bytes")
        case .rawDump(_, let error):
            FuzzCheck.expect(error == nil, "reading memory failed: \(String(describing: error))")
        case .packetCapture(_, nil):
            break
        }
    }

    var description: String {
        switch result {
        case .openFailed(let error): return "open failed: \(error)"
        case .recording(let records, let warning, let skipped, let error):
            return "\(records.count) records, warning \(String(describing: warning)), \(skipped) skipped, "
                + "error \(String(describing: error)) (\(reason ?? ""))"
        case .rawDump(let chunks, let error):
            return "raw dump of \(chunks.reduce(0) { $0 + $1.bytes.count }) bytes, error \(String(describing: error))"
        case .packetCapture(let records, let fault):
            return "packet capture of \(records.count) records, fault \(String(describing: fault))"
        }
    }
}

private func readAll(
    _ source: MemoryByteSource, layout: CaptureSource<MemoryByteSource>.Layout,
    maxRecordLength: Int = CaptureReader<MemoryByteSource>.defaultMaxRecordLength
) -> Outcome {
    let opened: (source: CaptureSource<MemoryByteSource>, reason: String)
    do {
        opened = try CaptureSource.open(source, layout: layout, rawChunkSize: 256, maxRecordLength: maxRecordLength)
    } catch {
        return Outcome(reason: nil, result: .openFailed(error))
    }
    switch opened.source {
    case .recording(var reader):
        var records: [CaptureRecord] = []
        do {
            while let record = try reader.next() { records.append(record) }
        } catch {
            return Outcome(
                reason: opened.reason,
                result: .recording(records, warning: reader.warning, skipped: reader.skippedRecordCount, error: error))
        }
        return Outcome(
            reason: opened.reason,
            result: .recording(records, warning: reader.warning, skipped: reader.skippedRecordCount, error: nil))
    case .rawDump(var reader):
        var chunks: [RawDumpChunk] = []
        do {
            while let chunk = try reader.next() {
                FuzzCheck.expect(!chunk.bytes.isEmpty, "an empty raw dump chunk at byte \(chunk.offset)")
                chunks.append(chunk)
            }
        } catch {
            return Outcome(reason: opened.reason, result: .rawDump(chunks, error: error))
        }
        return Outcome(reason: opened.reason, result: .rawDump(chunks, error: nil))
    case .packetCapture(let reader):
        return Outcome(
            reason: opened.reason, result: .packetCapture(reader.connections.flatMap(\.records), fault: reader.fault))
    }
}

private func checkRawDumpChunks(
    _ chunks: [RawDumpChunk], file: [UInt8], layout: CaptureSource<MemoryByteSource>.Layout
) {
    var expectedOffset = 0
    for chunk in chunks {
        FuzzCheck.expect(chunk.offset == expectedOffset, "a chunk at byte \(chunk.offset), expected \(expectedOffset)")
        FuzzCheck.expect(chunk.bytes.count <= 256, "a chunk of \(chunk.bytes.count) bytes, over the chunk size")
        expectedOffset += chunk.bytes.count
    }
    FuzzCheck.expect(chunks.flatMap(\.bytes) == file, "the chunks are not the file's \(file.count) bytes")
}
