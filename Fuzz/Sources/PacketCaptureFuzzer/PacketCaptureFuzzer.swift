import CaptureFormats
import FuzzSupport

// Properties of the pcap/pcapng reader `gatewayctl replay` opens packet captures with
// (PacketCaptureReader: file formats, link layers, IPv4/IPv6, TCP reassembly, upgrade
// detection), on arbitrary file bytes:
// - never a crash, a trap on arithmetic or an endless loop;
// - how the file arrives does not matter: from memory at once or in fuzzer-sized reads, the
//   same connections, records and fault;
// - an error (thrown, or the fault after the complete packets) is a data error whose byte
//   offset lies inside the file;
// - the sniffer calls the file a packet capture whenever the reader gets past the magic;
// - each connection is numbered in order and its records are one connect, chunks, and one
//   disconnect, all of that connection; the chunks never hold more bytes than the file.
//
// Input: the file from the front; the read size (1...256) from the back.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPacketCapture(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzedData(FuzzInput.buffer(data, size))
    let readSize = input.decision(in: 1...256)
    let file = Array(input.remainingPayload())

    let whole = read { () throws(CaptureError) in try PacketCaptureReader(bytes: file) }
    let pieces = read { () throws(CaptureError) in try PacketCaptureReader(source: MemoryByteSource(file, maxReadSize: readSize)) }
    FuzzCheck.expect(whole == pieces, "reads of \(readSize) bytes give \(pieces), one read gives \(whole)")

    switch whole {
    case .failure(let error):
        check(error, fileSize: file.count)
    case .success(let connections, let fault):
        FuzzCheck.expect(PayloadSniffer.sniffInput(file).kind == .packetCapture, "read without a packet capture's magic")
        if let fault { check(fault, fileSize: file.count) }
        var chunkBytes = 0
        for (index, connection) in connections.enumerated() {
            FuzzCheck.expect(connection.number == index + 1, "connection \(connection.number) at index \(index)")
            let records = connection.records
            guard case .connectionEvent(let first)? = records.first, first.kind == .connect,
                case .connectionEvent(let last)? = records.last, last.kind == .disconnect, records.count >= 2
            else { FuzzCheck.fail("connection \(connection.number) does not run from connect to disconnect") }
            for record in records.dropFirst().dropLast() {
                guard case .chunk(let chunk) = record, chunk.connection == connection.number, !chunk.bytes.isEmpty else {
                    FuzzCheck.fail("connection \(connection.number) holds \(record) between its connect and disconnect")
                }
                chunkBytes += chunk.bytes.count
            }
            FuzzCheck.expect(first.connection == connection.number && last.connection == connection.number, "numbers differ")
        }
        FuzzCheck.expect(chunkBytes <= file.count, "\(chunkBytes) bytes of chunks from a file of \(file.count)")
    }
    return 0
}

/// What reading one file gave: the connections' records and the fault, or the error.
private enum Outcome: Equatable, CustomStringConvertible {
    case success([PacketCaptureConnection.Records], fault: CaptureError?)
    case failure(CaptureError)

    var description: String {
        switch self {
        case .success(let connections, let fault): "\(connections.count) connections, fault \(String(describing: fault))"
        case .failure(let error): "error \(error)"
        }
    }
}

private func read(_ body: () throws(CaptureError) -> PacketCaptureReader) -> Outcome {
    do {
        let reader = try body()
        return .success(reader.connections.map { PacketCaptureConnection.Records(connection: $0) }, fault: reader.fault)
    } catch {
        return .failure(error)
    }
}

/// A data error whose offset lies inside the file.
private func check(_ error: CaptureError, fileSize: Int) {
    FuzzCheck.expect(error.kind != .io && error.kind != .invalidRecord && !error.message.isEmpty, "not a data error: \(error)")
    FuzzCheck.expect((error.offset ?? 0) >= 0 && (error.offset ?? 0) <= fileSize, "\(error) is outside a file of \(fileSize) bytes")
}

extension PacketCaptureConnection {
    /// A connection's comparable parts.
    fileprivate struct Records: Equatable {
        var number: Int
        var endpoints: String
        var records: [CaptureRecord]
        var gap: String?

        init(connection: PacketCaptureConnection) {
            number = connection.number
            endpoints = connection.endpoints
            records = connection.records
            gap = connection.gap
        }
    }
}
