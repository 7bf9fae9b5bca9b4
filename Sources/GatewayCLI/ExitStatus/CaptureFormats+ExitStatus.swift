@_exported import CaptureFormats

// The input formats live in their own module (so the fuzz targets can build
// them without NIO); which exit status each of their errors ends gatewayctl
// with is a command-line decision, so it is made here.

extension CaptureError: ExitStatusReporting {
    public var exitStatus: ProcessExitStatus {
        switch kind {
        case .notACapture, .unsupportedVersion, .malformedRecord, .recordTooLong: return .dataError
        case .corruptPacketCapture, .unsupportedLinkType, .noWebSocketConnection, .packetCaptureTooLarge:
            return .dataError
        case .invalidRecord: return .internalError
        case .io: return underlying?.exitStatus ?? .ioError
        }
    }
}

extension HexdumpError: ExitStatusReporting {
    public var exitStatus: ProcessExitStatus { .dataError }
}

extension InputError: ExitStatusReporting {
    public var exitStatus: ProcessExitStatus {
        switch kind {
        case .cannotOpen: return .noInput
        case .readFailed, .writeFailed: return .ioError
        case .tooLarge: return .dataError
        }
    }
}
