import ArgumentParser

/// How `replay --summary` prints the summary, apart from how the rest is printed.
public enum SummaryFormat: String, Sendable, Hashable, CaseIterable, ExpressibleByArgument {
    /// The aligned block for people.
    case pretty
    /// One JSON object on one line: the `summary` object of docs/jsonl-output.md.
    case json

    /// The summary format that goes with an output format, when none is asked for.
    init(following format: OutputFormat) {
        switch format {
        case .pretty: self = .pretty
        case .jsonl: self = .json
        }
    }

    /// The output format whose renderer prints this summary format.
    var outputFormat: OutputFormat {
        switch self {
        case .pretty: .pretty
        case .json: .jsonl
        }
    }
}
