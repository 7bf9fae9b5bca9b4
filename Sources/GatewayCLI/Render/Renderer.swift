import DiscordGateway
import GatewayCodecs

/// Which way something went on a connection.
public enum Direction: String, Sendable, Hashable {
    /// From the server.
    case inbound = "in"
    /// From the client.
    case outbound = "out"
}

/// Where and when an item happened: the start of every rendered line.
public struct RenderContext: Sendable, Hashable {
    /// Time since the start of the recording (zero for inputs without a clock).
    public var time: Duration
    /// The connection number, from 1.
    public var connection: Int

    /// The connection number of a line about no connection in particular (serve's scenarios,
    /// verdicts, REST calls): its time is shown, no connection.
    public static let noConnection = 0

    /// Creates a context.
    public init(time: Duration, connection: Int) {
        self.time = time
        self.connection = connection
    }
}

/// The one renderer of `gatewayctl`: every frame, payload, close and error goes
/// through it, as pretty lines for people or JSON Lines for scripts.
///
/// Each kind of item has its own method (in the `Renderer+*.swift` files); they
/// all end in ``emit(pretty:json:)``, so the two formats cannot drift apart in
/// what they show. The JSON Lines schema is documented in docs/jsonl-output.md.
public final class Renderer {
    /// The output format.
    public let format: OutputFormat
    let style: ANSIStyle
    /// Where lines go.
    public let output: OutputBuffer
    /// The pretty marks of the two directions: `←` and `→` for a client's view; a proxy names
    /// its two peers instead.
    var arrows = (inbound: "←", outbound: "→")

    /// Creates a renderer writing to `output`.
    public init(format: OutputFormat, colors: Bool, output: OutputBuffer = OutputBuffer()) {
        self.format = format
        self.style = ANSIStyle(enabled: colors && format == .pretty)
        self.output = output
    }

    /// Writes one item: `pretty()` lines (each gets a newline) or the JSON object `json()` builds.
    /// Only the chosen format's text is built.
    func emit(pretty: () -> String, json: () -> JSONLine) {
        switch format {
        case .pretty:
            output.write(pretty())
            output.write([0x0A])
        case .jsonl:
            output.write(json().line())
        }
    }

    /// A JSON object starting with `kind` and, when given, the context and direction.
    func object(_ kind: String, _ context: RenderContext?, _ direction: Direction? = nil) -> JSONLine {
        var line = JSONLine()
        line.add("kind", kind)
        if let direction { line.add("dir", direction.rawValue) }
        if let context {
            line.add("time", seconds: context.time)
            if context.connection != RenderContext.noConnection { line.add("conn", context.connection) }
        }
        return line
    }

    /// `   12.000250 #1 ← ` : the pretty prefix of a line.
    func prefix(_ context: RenderContext?, _ direction: Direction?) -> String {
        var text = ""
        if let context {
            let time = TimeText.seconds(context.time)
            let connection = context.connection == RenderContext.noConnection ? "   " : " #\(context.connection)"
            text += style.dim(String(repeating: " ", count: max(0, 12 - time.count)) + time + connection)
            text += " "
        }
        switch direction {
        case .inbound?: text += style.inbound(arrows.inbound) + " "
        case .outbound?: text += style.outbound(arrows.outbound) + " "
        case nil: text += "  "
        }
        return text
    }

    /// Pretty JSON of `value`, each line indented by `indent` spaces, colored when colors are on.
    func indented(_ value: GatewayValue, by indent: Int) -> String {
        let padding = String(repeating: " ", count: indent)
        return GatewayJSON.prettyPrinted(value).split(separator: "\n", omittingEmptySubsequences: false)
            .map { padding + style.json(String($0)) }.joined(separator: "\n")
    }

    /// An informational line: what was detected or chosen, and why.
    public func info(_ message: String, _ context: RenderContext? = nil) {
        emit(
            pretty: { style.dim("# " + message) },
            json: {
                var line = object("info", context)
                line.add("message", message)
                return line
            })
    }

    /// An error that ends the command, with the byte offset of the fault when known.
    public func error(_ message: String, offset: Int?, _ context: RenderContext? = nil) {
        emit(
            pretty: { prefix(context, nil) + style.bad("error: ") + (offset.map { "byte \($0): " } ?? "") + message },
            json: {
                var line = object("error", context)
                if let offset { line.add("offset", offset) }
                line.add("message", message)
                return line
            })
    }

    /// Writes out everything pending.
    public func flush() { output.flush() }
}
