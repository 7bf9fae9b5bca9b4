import Foundation

extension Renderer {
    /// A scenario check, decided.
    func verdict(_ verdict: ServeVerdict) {
        emit(
            pretty: {
                let mark = verdict.passed ? style.good("PASS") : style.bad("FAIL")
                return prefix(RenderContext(time: verdict.time, connection: RenderContext.noConnection), nil)
                    + "\(mark) \(verdict.bot.map { "bot \($0) " } ?? "")\(verdict.scenario): "
                    + "\(verdict.check) (expected \(verdict.expected); observed \(verdict.observed))"
            },
            json: {
                var line = object("verdict", nil)
                line.add("t", seconds: verdict.time)
                if let bot = verdict.bot { line.add("bot", bot) }
                line.add("scenario", verdict.scenario)
                line.add("check", verdict.check)
                line.add("passed", verdict.passed)
                line.add("expected", verdict.expected)
                line.add("observed", verdict.observed)
                return line
            })
    }

    /// Where `serve` listens: the gateway URL for bots and the REST base for their libraries.
    func listening(gateway: String, rest: String) {
        emit(
            pretty: { "listening: gateway \(style.bold(gateway)), REST \(rest)" },
            json: {
                var line = object("listening", nil)
                line.add("gateway", gateway)
                line.add("rest", rest)
                return line
            })
    }

    /// One scenario, for `--list-scenarios`.
    func scenario(_ scenario: Scenario) {
        emit(
            pretty: { scenario.name.padding(toLength: 27, withPad: " ", startingAt: 0) + scenario.summary },
            json: {
                var line = object("scenario", nil)
                line.add("name", scenario.name)
                line.add("summary", scenario.summary)
                return line
            })
    }

    /// Every verdict of a run, as a table (pretty) or one summary object (JSON Lines).
    func verdictTable(_ verdicts: [ServeVerdict]) {
        let failed = verdicts.filter { !$0.passed }.count
        let showsBots = verdicts.contains { $0.bot != nil }
        emit(
            pretty: {
                let header = "scenario                       check                                  result"
                var lines = ["", style.bold((showsBots ? "bot   " : "") + header)]
                // Grouped by bot, each bot's checks in the order they were decided.
                let grouped = verdicts.enumerated().sorted { ($0.element.bot ?? 0, $0.offset) < ($1.element.bot ?? 0, $1.offset) }
                for verdict in grouped.map(\.element) {
                    let bot = showsBots ? String(verdict.bot ?? 0).padding(toLength: 5, withPad: " ", startingAt: 0) + " " : ""
                    let scenario = verdict.scenario.padding(toLength: 30, withPad: " ", startingAt: 0)
                    let check = verdict.check.padding(toLength: 38, withPad: " ", startingAt: 0)
                    lines.append("\(bot)\(scenario) \(check) \(verdict.passed ? style.good("pass") : style.bad("fail"))")
                }
                lines.append("\(verdicts.count - failed) passed, \(failed) failed")
                return lines.joined(separator: "\n")
            },
            json: {
                var line = object("verdicts", nil)
                line.add("passed", verdicts.count - failed)
                line.add("failed", failed)
                return line
            })
    }
}
