import NIOCore
import NIOPosix

/// A TCP server on loopback that accepts connections and never answers: the wait for an
/// upgrade response that never comes.
final class SilentServer {
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    init() throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            channel = try ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        port = channel.localAddress?.port ?? 0
    }

    /// `ws://127.0.0.1:PORT`.
    var url: String { "ws://127.0.0.1:\(port)" }

    deinit {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}
