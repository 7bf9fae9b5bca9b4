import DiscordGateway
import Foundation
import NIOCore
import NIOPosix

/// Plain sentences for the ways a TCP connection fails, for the client, `handshake` and `proxy`'s
/// upstream leg: NIO's errors describe themselves with its internals (`SingleConnectionFailure`,
/// `[IPv4]127.0.0.1/127.0.0.1:1`), which tell a user nothing they can act on.
package enum NetworkFailureText {
    /// What went wrong reaching or talking to `host:port`, without library names.
    /// - Parameter timeout: the bound the connect attempt ran with, to name it when it expired.
    package static func problem(_ error: any Error, host: String, port: Int, timeout: Duration?) -> GatewayTransportProblem {
        let place = "\(host):\(port)"
        if let connection = error as? NIOConnectionError {
            if let first = connection.connectionErrors.first {
                return problem(first.error, host: host, port: port, timeout: timeout)
            }
            if connection.dnsAError != nil || connection.dnsAAAAError != nil {
                return .failed("the name \(host) could not be resolved")
            }
            return .failed("no address found for \(host)")
        }
        if let channelError = error as? ChannelError {
            switch channelError {
            case .connectTimeout:
                if let timeout { return .waitExpired(.tcpConnect, place: place, limit: timeout) }
                return .failed("no TCP connection to \(place) within the time allowed")
            case .ioOnClosedChannel, .alreadyClosed, .eof, .outputClosed, .inputClosed:
                return .failed("the connection to \(place) was closed")
            default:
                return .failed("the connection to \(place) failed: \(channelError)")
            }
        }
        if let ioError = error as? IOError {
            return .failed(explain(errno: ioError.errnoCode, place: place))
        }
        if error is SocketAddressError {
            return .failed("the name \(host) could not be resolved")
        }
        return .failed("the connection to \(place) failed: \(error)")
    }

    /// The sentence for a socket error number.
    package static func explain(errno code: CInt, place: String) -> String {
        switch code {
        case ECONNREFUSED: return "\(place) refused the connection (nothing listens there)"
        case ECONNRESET: return "\(place) reset the connection"
        case ETIMEDOUT: return "the connection to \(place) timed out"
        case ENETUNREACH: return "the network of \(place) is unreachable"
        case EHOSTUNREACH: return "the host \(place) is unreachable"
        case EPIPE: return "the connection to \(place) was broken"
        case EADDRNOTAVAIL: return "\(place) is not an address this machine can connect to"
        default: return "the connection to \(place) failed: \(String(cString: strerror(code)))"
        }
    }

    /// A duration as `--timeout` is written, e.g. `10 s` or `2.5 s`.
    package static func seconds(_ duration: Duration?) -> String {
        guard let duration else { return "the time allowed" }
        return GatewayTransportProblem.seconds(duration)
    }
}
