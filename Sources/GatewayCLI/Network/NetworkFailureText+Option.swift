import DiscordGatewayClient

extension NetworkFailureText {
    /// What went wrong reaching or talking to `host:port`, in one sentence that names `--timeout`
    /// when that wait expired.
    static func explain(_ error: any Error, host: String, port: Int, timeout: Duration?) -> String {
        problem(error, host: host, port: port, timeout: timeout).sentence(naming: "--timeout")
    }
}
