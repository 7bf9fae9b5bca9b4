import DiscordGatewayClient
import Foundation

// `swift run bot-example [URL] [DISPATCHES]`, token in DISCORD_TOKEN: prints READY and each message's
// content, and closes with 1000 after DISPATCHES dispatches when given.
var configuration = GatewayClientConfiguration()  // wss://gateway.discord.gg, system trust roots
if CommandLine.arguments.count > 1 { configuration.gateway.url = CommandLine.arguments[1] }
let stopAfter = CommandLine.arguments.count > 2 ? Int64(CommandLine.arguments[2]) : nil
let identify = GatewayIdentify(
    token: ProcessInfo.processInfo.environment["DISCORD_TOKEN"] ?? "",
    intents: [.guilds, .guildMessages, .messageContent], properties: GatewayConnectionProperties(os: "linux"))
let client = try GatewayClient(configuration: configuration, identify: identify)

try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await client.run() }  // connects, heartbeats, reconnects and resumes
    for await event in client.events {  // ends when the session does
        if case .dispatch(let payload) = event {
            if payload.eventName == "READY" { print("READY") }
            if payload.eventName == "MESSAGE_CREATE" { print(payload.data["content"]?.stringValue ?? "") }
            if payload.sequence == stopAfter { await client.close(code: .normalClosure) }
        } else if case .disconnected(let disconnect) = event {
            print("disconnected: \(disconnect)")
        }
    }
    try await group.waitForAll()  // run's error, if the session failed (a bad token: 4004)
}
