import Foundation
import NIOCore
import NIOPosix
import WebSocketProtocol

/// A gateway on loopback that answers nothing a test does not ask for: it never answers the
/// upgrade (`.silent`), hangs up as soon as a request arrives (`.hangsUp`), or answers the
/// upgrade and says HELLO, then reads everything and answers nothing more: no READY, no ACK, no
/// echo of a close (`.saysHello`).
final class MuteGatewayServer {
    enum Behaviour: Sendable {
        case silent, hangsUp, saysHello
    }

    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    init(_ behaviour: Behaviour = .saysHello) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            channel = try ServerBootstrap(group: group)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(MuteHandler(behaviour: behaviour))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
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

    private final class MuteHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let behaviour: Behaviour
        var request: [UInt8] = []
        var answered = false

        init(behaviour: Behaviour) { self.behaviour = behaviour }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard behaviour != .silent, !answered else { return }
            request += Array(buffer: unwrapInboundIn(data))
            guard let end = request.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            answered = true
            if behaviour == .hangsUp { return context.close(promise: nil) }
            let head = String(decoding: request[..<end.lowerBound], as: UTF8.self)
            let key = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("sec-websocket-key:") }
                .map { $0.dropFirst("sec-websocket-key:".count).trimmingCharacters(in: .whitespaces) } ?? ""
            let response = WebSocketHandshake.switchingProtocolsResponse(forKey: key)
            let hello = WebSocketFrameEncoder.encode(opcode: .text, payload: Array(#"{"op":10,"d":{"heartbeat_interval":41250}}"#.utf8))
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: response + hello)), promise: nil)
        }
    }
}
