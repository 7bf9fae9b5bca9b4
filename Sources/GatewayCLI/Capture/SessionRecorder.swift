import DiscordGateway
import Foundation

/// Writes a live session to a capture file as it runs: inbound bytes exactly as read, the upgrade
/// request and control frames as written, sent payloads with the token redacted, and connection
/// boundaries. Every record is on disk when its call returns (see ``CaptureWriter``).
final class SessionRecorder {
    private let writer: CaptureWriter

    /// Creates the file; `url` is the first connection's.
    init(path: String, url: String, configuration: GatewayConfiguration, secrets: [String]) throws(CaptureError) {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let header = CaptureHeader(
            tool: "gatewayctl \(Gatewayctl.version)", url: url,
            encoding: WireEncoding(configuration.encoding), compression: WireCompression(configuration.compression),
            started: formatter.string(from: Date()))
        writer = try CaptureWriter(path: path, header: header, secrets: secrets, syncOnClose: true)
    }

    func connecting(connection: Int, url: String, at time: Duration) throws(CaptureError) {
        try writer.append(
            .connectionEvent(CaptureConnectionEvent(kind: .connect, time: offset(time), connection: connection, detail: url)))
    }

    func disconnected(connection: Int, reason: String, at time: Duration) throws(CaptureError) {
        try writer.append(
            .connectionEvent(
                CaptureConnectionEvent(kind: .disconnect, time: offset(time), connection: connection, detail: reason)))
    }

    func read(_ bytes: UnsafeRawBufferPointer, connection: Int, at time: Duration) throws(CaptureError) {
        try writer.append(
            .chunk(CaptureChunk(direction: .inbound, time: offset(time), connection: connection, bytes: Array(bytes))))
    }

    /// Bytes a proxy read from the upstream gateway for connection `connection`.
    func readUpstream(_ bytes: UnsafeRawBufferPointer, connection: Int, at time: Duration) throws(CaptureError) {
        try writer.append(
            .upstreamChunk(CaptureChunk(direction: .inbound, time: offset(time), connection: connection, bytes: Array(bytes))))
    }

    /// Bytes that carry no secret by construction (the upgrade request).
    func wrote(_ bytes: [UInt8], connection: Int, at time: Duration) throws(CaptureError) {
        try writer.append(.chunk(CaptureChunk(direction: .outbound, time: offset(time), connection: connection, bytes: bytes)))
    }

    /// The control frames (close, pong) among bytes written; data frames are recorded by ``sent(_:connection:at:)``.
    func wroteFrames(_ bytes: [UInt8], connection: Int, at time: Duration) throws(CaptureError) {
        for range in OutboundFrames.controlFrameRanges(in: bytes) {
            try wrote(Array(bytes[range]), connection: connection, at: time)
        }
    }

    /// A payload the connection reports as sent (its token already replaced by the library).
    func sent(_ payload: GatewayPayload, connection: Int, at time: Duration) throws(CaptureError) {
        let json: [UInt8]
        switch payload.encoding {
        case .json: json = payload.bytes
        case .etf:
            guard let value = try? payload.decodeAll() else { return }
            json = GatewayJSON.encode(value)
        }
        try writer.append(.sent(CaptureSent(time: offset(time), connection: connection, payloadJSON: json)))
    }

    /// Syncs and closes the file.
    func close() throws(CaptureError) {
        try writer.close()
    }

    private func offset(_ time: Duration) -> CaptureTimeOffset {
        let (seconds, attoseconds) = time.components
        let (micros, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        let (total, overflowAgain) = micros.addingReportingOverflow(attoseconds / 1_000_000_000_000)
        return CaptureTimeOffset(microseconds: overflow || overflowAgain ? Int64.max : total)
    }
}
