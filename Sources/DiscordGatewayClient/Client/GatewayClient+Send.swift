import DiscordGateway
import NIOCore

// Commands go to the loop, where the runner builds them on the open connection. A command over
// Discord's 120-per-60-seconds limit comes back with the time it may go (on the runner's clock);
// the client sleeps until then and tries again, since another send may have taken the slot.

extension GatewayClient {
    /// A command built on the open connection: its bytes (nothing is sent when it throws).
    typealias Command = @Sendable (inout GatewayConnection, Duration) throws(GatewaySendError) -> [UInt8]

    /// Sends PRESENCE_UPDATE.
    /// - Parameter waitIfRateLimited: wait for Discord's send limit (`true`) or throw
    ///   ``GatewaySendError/Kind/rateLimited`` at once (`false`); nil follows
    ///   ``GatewayClientConfiguration/waitsWhenRateLimited``.
    /// - Throws: ``GatewaySendError`` before anything is sent: not connected (between
    ///   connections, before READY's connection is open, after the end), an invalid argument, a
    ///   payload over 4096 bytes, or rate limited when not waiting (or when the task is cancelled
    ///   while it waits).
    public func updatePresence(_ presence: GatewayPresence, waitIfRateLimited: Bool? = nil) async throws(GatewaySendError) {
        try await send(waitIfRateLimited: waitIfRateLimited) { connection, now throws(GatewaySendError) in
            try connection.updatePresence(presence, now: now)
        }
    }

    /// Sends VOICE_STATE_UPDATE: join, move or leave a voice channel. See ``updatePresence(_:waitIfRateLimited:)``.
    public func updateVoiceState(_ update: GatewayVoiceStateUpdate, waitIfRateLimited: Bool? = nil) async throws(GatewaySendError) {
        try await send(waitIfRateLimited: waitIfRateLimited) { connection, now throws(GatewaySendError) in
            try connection.updateVoiceState(update, now: now)
        }
    }

    /// Sends REQUEST_GUILD_MEMBERS; the members arrive as GUILD_MEMBERS_CHUNK dispatches. See
    /// ``updatePresence(_:waitIfRateLimited:)``.
    public func requestGuildMembers(_ request: GatewayRequestGuildMembers, waitIfRateLimited: Bool? = nil) async throws(GatewaySendError) {
        try await send(waitIfRateLimited: waitIfRateLimited) { connection, now throws(GatewaySendError) in
            try connection.requestGuildMembers(request, now: now)
        }
    }

    /// Sends REQUEST_SOUNDBOARD_SOUNDS for these guilds. See ``updatePresence(_:waitIfRateLimited:)``.
    public func requestSoundboardSounds(guildIDs: [UInt64], waitIfRateLimited: Bool? = nil) async throws(GatewaySendError) {
        try await send(waitIfRateLimited: waitIfRateLimited) { connection, now throws(GatewaySendError) in
            try connection.requestSoundboardSounds(guildIDs: guildIDs, now: now)
        }
    }

    /// Sends any payload `{"op": opcode, "d": data}`, checked like every command. See
    /// ``updatePresence(_:waitIfRateLimited:)``.
    public func send(opcode: GatewayOpcode, data: GatewayValue, waitIfRateLimited: Bool? = nil) async throws(GatewaySendError) {
        try await send(waitIfRateLimited: waitIfRateLimited) { connection, now throws(GatewaySendError) in
            try connection.send(opcode: opcode, data: data, now: now)
        }
    }

    /// Sends a command, waiting out the rate limit when asked to. A cancelled wait throws the
    /// rate-limit error.
    func send(waitIfRateLimited: Bool?, _ command: @escaping Command) async throws(GatewaySendError) {
        let waits = waitIfRateLimited ?? configuration.waitsWhenRateLimited
        while true {
            let outcome = await attempt(command)
            switch outcome {
            case .success:
                return
            case .failure(let error) where error.kind == .rateLimited && waits:
                let wait = await untilRetry(error)
                do {
                    try await Task.sleep(for: wait)
                } catch {
                    throw GatewaySendError(.rateLimited, "cancelled while waiting for the send limit", retryAt: nil)
                }
            case .failure(let error):
                throw error
            }
        }
    }
}
