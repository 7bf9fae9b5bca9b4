/// An input for `replay`, of whichever kind the file turned out to be.
public enum CaptureSource<Source: ByteSource> {
    /// A capture recording.
    case recording(CaptureReader<Source>)
    /// A raw inbound dump.
    case rawDump(RawDumpReader<Source>)
    /// A pcap or pcapng file, read whole, as the WebSocket connections it carries.
    case packetCapture(PacketCaptureReader)

    /// What the user said about the input's layout, if anything.
    public enum Layout: Sendable, Hashable {
        /// Look at the first bytes.
        case detect
        /// A raw dump starting directly with a frame (`--no-handshake`).
        case rawDumpWithoutHandshake
    }

    /// Opens `source`, deciding from its first bytes whether it is a recording,
    /// a raw dump with the HTTP response, a raw dump starting at a frame, or a packet capture.
    ///
    /// - Returns: the reader and one sentence saying what was chosen and why.
    /// - Throws: ``CaptureError`` when the input is empty, of no known kind, or
    ///   a recording with a bad header.
    public static func open(
        _ source: Source, layout: Layout = .detect, rawChunkSize: Int = RawDumpReader<Source>.defaultChunkSize,
        maxRecordLength: Int = CaptureReader<Source>.defaultMaxRecordLength
    ) throws(CaptureError) -> (source: CaptureSource, reason: String) {
        var input = BufferedByteReader(source: source)
        if layout == .rawDumpWithoutHandshake {
            // Even a dump the user vouches for must hold something: an empty file recorded no connection.
            let buffered: Int
            do {
                buffered = try input.fill(atLeast: 1)
            } catch {
                throw CaptureError(error)
            }
            if buffered == 0 { throw CaptureError(.notACapture, "the input is empty", offset: 0) }
            let reader = RawDumpReader(input: input, startsWithHandshake: false, chunkSize: rawChunkSize)
            return (.rawDump(reader), "reading a raw inbound dump without the handshake, as --no-handshake says")
        }
        do {
            _ = try input.fill(atLeast: 64)
        } catch {
            throw CaptureError(error)
        }
        let guess = input.withBytes(in: input.bufferedRange) { PayloadSniffer.sniffInput($0) }
        switch guess.kind {
        case .captureRecording:
            let reader = try CaptureReader(input: input, maxRecordLength: maxRecordLength)
            return (.recording(reader), guess.reason)
        case .rawDumpWithHandshake:
            return (.rawDump(RawDumpReader(input: input, startsWithHandshake: true, chunkSize: rawChunkSize)), guess.reason)
        case .rawDumpWithoutHandshake:
            return (.rawDump(RawDumpReader(input: input, startsWithHandshake: false, chunkSize: rawChunkSize)), guess.reason)
        case .packetCapture:
            let reader = try PacketCaptureReader(input: input)
            // The reader's sentence names the format the magic number told and what the file held.
            return (.packetCapture(reader), reader.reason + "; its WebSocket connections are replayed")
        case .unknown:
            throw CaptureError(.notACapture, guess.reason, offset: 0)
        }
    }
}
