import GatewayCodecs

extension Renderer {
    /// A layer peeled off the input, e.g. `zlib-stream: 87 bytes -> 230 bytes`.
    public func layer(_ name: String, inputBytes: Int, outputBytes: Int?, detail: String? = nil) {
        emit(
            pretty: {
                var text = "  " + style.bold(name) + ": \(inputBytes) bytes"
                if let outputBytes { text += " -> \(outputBytes) bytes" }
                if let detail { text += style.dim(" (\(detail))") }
                return text
            },
            json: {
                var line = object("layer", nil)
                line.add("layer", name)
                line.add("in", inputBytes)
                if let outputBytes { line.add("out", outputBytes) } else { line.addNull("out") }
                if let detail { line.add("detail", detail) }
                return line
            })
    }

    /// A decoded value that is not a gateway payload (no `op`).
    public func value(_ value: GatewayValue, encoding: String) {
        emit(
            pretty: { "  " + style.bold(encoding) + ":\n" + indented(value, by: 4) },
            json: {
                var line = object("value", nil)
                line.add("encoding", encoding)
                line.add("value", value)
                return line
            })
    }
}
