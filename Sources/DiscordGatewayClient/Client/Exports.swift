// `import DiscordGatewayClient` brings the gateway's types (GatewayIdentify, GatewayEvent,
// GatewayPayload, the codecs' values) that the client's API speaks in: a bot needs one import.
@_exported import DiscordGateway
