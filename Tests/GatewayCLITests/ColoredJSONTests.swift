import Foundation
import Testing

@testable import GatewayCLI

/// Pretty output colors JSON as jq does, `GATEWAYCTL_COLORS` overrides it as `JQ_COLORS` does
/// jq's, and JSON Lines never has a color.
@Suite(.enabled(if: CommandRunner.binary != nil)) struct ColoredJSONTests {
    /// `{"op":11,"d":{"a":[1,true,false,null,"x"]}}` as hex: a HEARTBEAT_ACK with every kind of value.
    static let payload = Array(#"{"op":11,"d":{"a":[-1.5,true,false,null,"x"]}}"#.utf8)
    static var hex: String { payload.map { String(format: "%02x", $0) }.joined(separator: " ") }

    static func escape(_ code: String, _ text: String) -> String { "\u{1B}[\(code)m\(text)\u{1B}[0m" }

    @Test func prettyOutputColorsEachKindOfValueAsJqDoes() throws {
        let result = try CommandRunner.run(
            ["decode", "--format", "pretty", "--color", "always", Self.hex], environment: [:])
        #expect(result.status == 0, "\(result.stderr)")
        let e = Self.escape
        let expected = [
            "    " + e("1;39", "{"),
            "      " + e("34;1", "\"a\"") + ": " + e("1;39", "["),
            "        " + e("0;39", "-1.5") + ",",
            "        " + e("0;39", "true") + ",",
            "        " + e("0;39", "false") + ",",
            "        " + e("1;30", "null") + ",",
            "        " + e("0;32", "\"x\""),
            "      " + e("1;39", "]"),
            "    " + e("1;39", "}"),
        ].joined(separator: "\n")
        #expect(result.stdout.contains(expected), "\(result.stdout.debugDescription)")
    }

    @Test func gatewayctlColorsOverridesTheFirstColorsLikeJqColors() throws {
        let result = try CommandRunner.run(
            ["decode", "--format", "pretty", "--color", "always", Self.hex],
            environment: ["GATEWAYCTL_COLORS": "0;31:0;35:0;36"])
        #expect(result.status == 0)
        #expect(result.stdout.contains(Self.escape("0;31", "null")))
        #expect(result.stdout.contains(Self.escape("0;35", "false")))
        #expect(result.stdout.contains(Self.escape("0;36", "true")))
        // The rest keep jq's colors.
        #expect(result.stdout.contains(Self.escape("0;32", "\"x\"")))
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test func anUnusableOverrideIsSaidOnceAndJqsColorsAreUsed() throws {
        let result = try CommandRunner.run(
            ["decode", "--format", "pretty", "--color", "always", Self.hex],
            environment: ["GATEWAYCTL_COLORS": "0;31:\u{1B}]0;pwned"])
        #expect(result.status == 0)
        #expect(
            result.stderr
                == "gatewayctl: warning: GATEWAYCTL_COLORS: color 2, \"\u{1B}]0;pwned\", is not an SGR code like 0;32; using jq's colors\n")
        #expect(result.stdout.contains(Self.escape("1;30", "null")))
        #expect(!result.stdout.contains("pwned"))
    }

    @Test func noColorWithoutATerminalNoColorOrInJSONLines() throws {
        for (arguments, environment) in [
            (["decode", "--format", "pretty", Self.hex], [String: String]()),
            (["decode", "--format", "pretty", "--color", "auto", Self.hex], ["NO_COLOR": "1"]),
            (["decode", "--format", "pretty", "--color", "never", Self.hex], ["GATEWAYCTL_COLORS": "0;31"]),
            (["decode", "--format", "jsonl", "--color", "always", Self.hex], ["GATEWAYCTL_COLORS": "0;31"]),
        ] {
            let result = try CommandRunner.run(arguments, environment: environment)
            #expect(result.status == 0)
            #expect(!result.stdout.contains("\u{1B}"), "\(arguments) \(environment)")
        }
    }

    @Test func tooManyColorsOrAnEmptyOneIsRefused() throws {
        #expect((try? JSONColors.parse("1:2:3:4:5:6:7:8:9").get()) == nil)
        #expect((try? JSONColors.parse("1::3").get()) == nil)
        #expect(try JSONColors.parse("1;31:2:3:4:5:6:7:8").get().key == "8")
    }
}
