// A complete gateway client on a plain blocking socket: the README's
// "library in five minutes". It speaks ws:// (a local gateway, a proxy, or
// `gatewayctl serve`); for wss:// put TLS around the same loop.
//
//   swift run blocking-loop-example ws://127.0.0.1:8765   (token in DISCORD_TOKEN)

import DiscordGateway

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opens a blocking TCP connection, or returns nil.
func openSocket(host: String, port: Int) -> Int32? {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return nil }
    defer { freeaddrinfo(list) }
    let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
    guard fd >= 0, connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else { return nil }
    return fd
}

func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written <= 0 { return }
        offset += written
    }
}

@main
struct BlockingLoopExample {
    static func main() throws {
        let arguments = CommandLine.arguments
        let url = arguments.count > 1 ? arguments[1] : "ws://127.0.0.1:8765"
        let maxEvents = arguments.count > 2 ? Int(arguments[2]) ?? 10 : 10
        guard let token = getenv("DISCORD_TOKEN").map({ String(cString: $0) }), !token.isEmpty else {
            print("set DISCORD_TOKEN")
            exit(78)
        }
        // The connection's clock: monotonic time since the program started.
        let start = ContinuousClock.now
        func now() -> Duration { ContinuousClock.now - start }


        var connection = try GatewayConnection(
            configuration: GatewayConfiguration(url: url, encoding: .json, compression: .zlibStream),
            random: SystemRandomNumberGenerator())
        let identify = GatewayIdentify(
            token: token, intents: [.guilds, .guildMessages], properties: GatewayConnectionProperties(os: "linux"))
        var received = 0

        sessions: while true {
            let (host, port, _) = connection.destination
            guard let fd = openSocket(host: host, port: port) else {
                print("cannot connect to \(host):\(port)")
                exit(69)
            }
            writeAll(fd, connection.connect())
            var buffer = [UInt8](repeating: 0, count: 65536)

            while true {
                // Sleep in poll() until data arrives or the connection's next deadline.
                var timeout: Int32 = -1
                if let deadline = connection.nextDeadline {
                    let remaining = deadline - now()
                    timeout = Int32(max(0, remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
                }
                var pollfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&pollfd, 1, timeout) == 0 {
                    writeAll(fd, connection.handleDeadline(now: now()))
                } else {
                    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if count <= 0 {
                        connection.receiveEndOfInput(now: now())
                    } else {
                        writeAll(fd, connection.receive(Array(buffer[..<count]), now: now()))
                    }
                }

                while let event = connection.nextEvent() {
                    switch event {
                    case .hello:
                        writeAll(fd, try connection.identifyOrResume(identify, now: now()))
                    case .dispatch(let payload):
                        print("\(payload.sequence ?? 0) \(payload.eventName ?? "?")")
                        received += 1
                        if received == maxEvents {
                            writeAll(fd, try connection.close(now: now()))
                        }
                    case .rejected(let rejection):
                        print("rejected: \(rejection.statusCode) \(rejection.reason)")
                    case .disconnected(let disconnect):
                        print("disconnected: \(disconnect)")
                        close(fd)
                        if received >= maxEvents { break sessions }
                        guard disconnect.canReconnect else { exit(77) }
                        let wait = connection.reconnect()
                        usleep(UInt32(wait.components.seconds * 1_000_000 + wait.components.attoseconds / 1_000_000_000_000))
                        continue sessions
                    default:
                        break
                    }
                }
            }
        }
    }
}
