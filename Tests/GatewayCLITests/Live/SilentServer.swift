import Foundation
import NIOCore
import NIOPosix
import WebSocketProtocol

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

/// A gateway on loopback that answers the upgrade and says HELLO, then reads everything and
/// answers nothing: no READY, no ACK, no echo of a close. Or, with `hangsUp`, a server that
/// closes every connection as soon as its request arrives.
final class MuteGatewayServer {
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    init(hangsUp: Bool = false) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            channel = try ServerBootstrap(group: group)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(MuteHandler(hangsUp: hangsUp))
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
        let hangsUp: Bool
        var request: [UInt8] = []
        var answered = false

        init(hangsUp: Bool) { self.hangsUp = hangsUp }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !answered else { return }
            request += Array(buffer: unwrapInboundIn(data))
            guard let end = request.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            answered = true
            if hangsUp { return context.close(promise: nil) }
            let head = String(decoding: request[..<end.lowerBound], as: UTF8.self)
            let key = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("sec-websocket-key:") }
                .map { $0.dropFirst("sec-websocket-key:".count).trimmingCharacters(in: .whitespaces) } ?? ""
            let response = WebSocketHandshake.switchingProtocolsResponse(forKey: key)
            let hello = WebSocketFrameEncoder.encode(opcode: .text, payload: Array(#"{"op":10,"d":{"heartbeat_interval":41250}}"#.utf8))
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: response + hello)), promise: nil)
        }
    }
}
