import DiscordGateway
import GatewayCodecs

/// A `serve --script` file: one's own sequence of steps, run like a scenario once a bot has a
/// session. One step a line; `#` starts a comment; JSON arguments run to the end of the line.
///
///     dispatch NAME JSON         a dispatch (`d` = JSON) with the session's next sequence
///     send OP JSON               any payload {"op": OP, "d": JSON}
///     wait SECONDS               nothing, for that long
///     reconnect                  RECONNECT (op 7)
///     invalid-session true|false INVALID_SESSION (op 9)
///     heartbeat-request          HEARTBEAT (op 1)
///     acks on|off                acknowledge heartbeats, or not (a zombie connection)
///     close CODE [REASON]        close the connection with CODE
///     drop                       cut the TCP connection without a close frame
///     expect heartbeat [SECONDS] the bot heartbeats within SECONDS (default: --timeout)
///     expect op N [SECONDS]      the bot sends a payload with op N
///     expect close [SECONDS]     the bot closes without ending its session (not 1000/1001)
///     expect resume [SECONDS]    the bot comes back with RESUME
///     expect identify [SECONDS]  the bot comes back with IDENTIFY
///
/// Each `expect` is a check with a verdict; a failed one does not stop the script.
struct ServeScript: Sendable, Hashable {
    /// One step.
    enum Step: Sendable, Hashable {
        case dispatch(name: String, data: GatewayValue)
        case send(opcode: Int, data: GatewayValue)
        case wait(Duration)
        case reconnect
        case invalidSession(resumable: Bool)
        case heartbeatRequest
        case acknowledgesHeartbeats(Bool)
        case close(code: UInt16, reason: String)
        case drop
        case expect(Expectation, within: Duration?)
    }

    /// What an `expect` step waits for.
    enum Expectation: String, Sendable, Hashable {
        case heartbeat, close, resume, identify
        case op
    }

    /// The file's name, which names the scenario.
    let name: String
    /// The steps with their line numbers.
    let steps: [(line: Int, step: Step)]
    /// For `expect op N`: N, by line.
    let expectedOpcodes: [Int: Int]

    static func == (lhs: ServeScript, rhs: ServeScript) -> Bool { lhs.name == rhs.name && lhs.steps.count == rhs.steps.count }
    func hash(into hasher: inout Hasher) { hasher.combine(name) }

    /// Reads a script; `name` is how verdicts name it.
    /// - Throws: ``ServerCommandError`` (65) naming the line and what is wrong with it.
    init(text: String, name: String) throws(ServerCommandError) {
        var steps: [(Int, Step)] = []
        var opcodes: [Int: Int] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#"), !line[..<hash].contains("{") { line = line[..<hash] }
            let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true).map(String.init)
            guard let command = words.first else { continue }
            func fail(_ message: String) -> ServerCommandError {
                ServerCommandError("\(name), line \(number): \(message)", exitStatus: .dataError)
            }
            func json(_ text: String?) throws(ServerCommandError) -> GatewayValue {
                guard let text, !text.isEmpty else { return .null }
                do {
                    return try GatewayJSON.decode(Array(text.utf8))
                } catch {
                    throw fail("the JSON does not parse: \(error)")
                }
            }
            func seconds(_ text: String?) throws(ServerCommandError) -> Duration? {
                guard let text else { return nil }
                guard let value = Double(text), value >= 0, value < 1e6 else { throw fail("\(text) is not a number of seconds") }
                return .milliseconds((value * 1000).rounded())
            }
            let rest = words.count > 1 ? words[1...].joined(separator: " ") : nil
            switch command {
            case "dispatch":
                guard words.count >= 2 else { throw fail("dispatch needs an event name") }
                steps.append((number, .dispatch(name: words[1], data: try json(words.count > 2 ? words[2] : nil))))
            case "send":
                guard words.count >= 2, let opcode = Int(words[1]), (0...255).contains(opcode) else {
                    throw fail("send needs an opcode (0-255)")
                }
                steps.append((number, .send(opcode: opcode, data: try json(words.count > 2 ? words[2] : nil))))
            case "wait":
                guard let duration = try seconds(rest) else { throw fail("wait needs a number of seconds") }
                steps.append((number, .wait(duration)))
            case "reconnect": steps.append((number, .reconnect))
            case "heartbeat-request": steps.append((number, .heartbeatRequest))
            case "drop": steps.append((number, .drop))
            case "invalid-session":
                guard rest == "true" || rest == "false" else { throw fail("invalid-session takes true or false") }
                steps.append((number, .invalidSession(resumable: rest == "true")))
            case "acks":
                guard rest == "on" || rest == "off" else { throw fail("acks takes on or off") }
                steps.append((number, .acknowledgesHeartbeats(rest == "on")))
            case "close":
                guard words.count >= 2, let code = UInt16(words[1]), (4000...4999).contains(code) || code == 1000 || code == 1001
                else { throw fail("close needs a code: 1000, 1001 or 4000-4999") }
                let reason = words.count > 2 ? words[2] : ""
                guard reason.utf8.count <= 123 else { throw fail("a close reason has at most 123 bytes") }
                steps.append((number, .close(code: code, reason: reason)))
            case "expect":
                let parts = (rest ?? "").split(separator: " ").map(String.init)
                guard let what = parts.first, let expectation = Expectation(rawValue: what) else {
                    throw fail("expect takes heartbeat, op N, close, resume or identify")
                }
                var index = 1
                if expectation == .op {
                    guard parts.count > 1, let opcode = Int(parts[1]) else { throw fail("expect op needs an opcode") }
                    opcodes[number] = opcode
                    index = 2
                }
                guard parts.count <= index + 1 else { throw fail("unexpected words after expect \(what)") }
                steps.append((number, .expect(expectation, within: try seconds(parts.count > index ? parts[index] : nil))))
            default:
                throw fail("unknown step \"\(command)\"")
            }
        }
        guard !steps.isEmpty else { throw ServerCommandError("\(name): the script has no step", exitStatus: .dataError) }
        self.name = name
        self.steps = steps
        self.expectedOpcodes = opcodes
    }
}
