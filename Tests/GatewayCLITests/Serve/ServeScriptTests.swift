import GatewayCodecs
import Testing

@testable import GatewayCLI

/// `serve --script` files: every step read, and each mistake named with its line.
@Suite struct ServeScriptTests {
    @Test func everyStepIsRead() throws {
        let script = try ServeScript(
            text: """
                # comment line
                dispatch MESSAGE_CREATE {"content": "a # is not a comment inside JSON"}
                send 42 {"x": 1}
                wait 1.5
                reconnect
                invalid-session true
                heartbeat-request
                acks off
                close 4000 going away now
                drop
                expect heartbeat
                expect op 3 2
                expect close 5   # trailing comment
                expect resume
                expect identify 10
                """, name: "t")
        #expect(script.steps.map(\.line) == Array(2...15))
        #expect(script.steps[0].step == .dispatch(name: "MESSAGE_CREATE", data: ["content": "a # is not a comment inside JSON"]))
        #expect(script.steps[2].step == .wait(.milliseconds(1500)))
        #expect(script.steps[7].step == .close(code: 4000, reason: "going away now"))
        #expect(script.steps[10].step == .expect(.op, within: .seconds(2)))
        #expect(script.expectedOpcodes[12] == 3)
        #expect(script.steps[11].step == .expect(.close, within: .seconds(5)))
        #expect(script.steps[12].step == .expect(.resume, within: nil))
    }

    @Test(arguments: [
        ("frobnicate", "line 1: unknown step \"frobnicate\""),
        ("wait soon", "line 1: soon is not a number of seconds"),
        ("dispatch X {nope", "line 1: the JSON does not parse"),
        ("close 3000", "line 1: close needs a code"),
        ("invalid-session maybe", "line 1: invalid-session takes true or false"),
        ("expect op", "line 1: expect op needs an opcode"),
        ("expect nothing", "line 1: expect takes heartbeat"),
        ("\n\n# only comments\n", "the script has no step"),
    ])
    func mistakesNameTheirLine(text: String, message: String) {
        #expect {
            _ = try ServeScript(text: text, name: "s")
        } throws: { error in
            guard let error = error as? ServerCommandError else { return false }
            return error.exitStatus == .dataError && error.message.contains(message)
        }
    }
}
