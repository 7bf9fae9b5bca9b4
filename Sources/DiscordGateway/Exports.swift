// `import DiscordGateway` brings the payload values, codecs and WebSocket types the
// connection's API speaks in, so users need one import.
@_exported import GatewayCodecs
@_exported import WebSocketProtocol
