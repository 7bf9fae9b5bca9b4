import Foundation

extension Renderer {
    /// A scenario check, decided.
    func verdict(_ verdict: ServeVerdict) {
        emit(
            pretty: {
                let mark = verdict.passed ? style.good("PASS") : style.bad("FAIL")
                return prefix(RenderContext(time: verdict.time, connection: RenderContext.noConnection), nil)
                    + "\(mark) \(verdict.scenario): "
                    + "\(verdict.check) (expected \(verdict.expected); observed \(verdict.observed))"
            },
            json: {
                var line = object("verdict", nil)
                line.add("t", seconds: verdict.time)
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
        emit(
            pretty: {
                var lines = ["", style.bold("scenario                       check                                  result")]
                for verdict in verdicts {
                    let scenario = verdict.scenario.padding(toLength: 30, withPad: " ", startingAt: 0)
                    let check = verdict.check.padding(toLength: 38, withPad: " ", startingAt: 0)
                    lines.append("\(scenario) \(check) \(verdict.passed ? style.good("pass") : style.bad("fail"))")
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
