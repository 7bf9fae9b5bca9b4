import Testing

@testable import GatewayCLI

@Suite struct ProxyInjectionTests {
    @Test func actionsAndPointsAreRead() throws {
        let cases: [(String, ProxyInjection.Action, ProxyInjection.Point)] = [
            ("reconnect", .reconnect, .onEvent("READY")),
            ("reconnect@after=5", .reconnect, .afterDispatches(5)),
            ("invalid-session", .invalidSession(resumable: false), .onEvent("READY")),
            ("invalid-session=true@on=guild_create", .invalidSession(resumable: true), .onEvent("GUILD_CREATE")),
            ("drop@at=30", .drop, .at(.seconds(30))),
            ("close=4009@at=1.5", .close(4009), .at(.milliseconds(1500))),
            ("zombie@after=1", .zombie, .afterDispatches(1)),
            ("delay=250", .delay(.milliseconds(250)), .onEvent("READY")),
        ]
        for (text, action, point) in cases {
            let injection = try ProxyInjection(parsing: text)
            #expect(injection.action == action, "\(text)")
            #expect(injection.point == point, "\(text)")
            #expect(injection.description == text)
        }
    }

    @Test(arguments: [
        ("explode", "is not an action"), ("close", "is not an action"), ("close=1005", "not a close code"),
        ("close=abc", "not a close code"), ("delay=0", "not 1 to 600000"), ("reconnect@after=0", "not a number of dispatches"),
        ("reconnect@at=-1", "not a number of seconds"), ("reconnect@soon", "is not a point"), ("reconnect@on=", "is not a point"),
        ("invalid-session=maybe", "is not an action"),
    ])
    func badInjectionsSayWhatIsWrong(text: String, message: String) {
        #expect {
            _ = try ProxyInjection(parsing: text)
        } throws: { error in
            guard let error = error as? ProxyOptionError else { return false }
            return error.message.hasPrefix("--inject \(text): ") && error.message.contains(message)
        }
    }
}
