import GatewayCodecs

/// The REST calls bot libraries make before they connect, answered so a library pointed at
/// `serve` for REST and gateway starts without patches beyond its base URLs.
enum ServeREST {
    /// Which calls are answered.
    enum Routes {
        /// The gateway's and the bot user's, as `serve` answers them.
        case mock
        /// `/gateway` and `/gateway/bot` only, as `proxy` answers them: the rest is Discord's.
        case gatewayOnly
    }

    /// The response to a request head: status line, JSON body. `/gateway/bot` recommends
    /// `shards` (serve's `--bots`, so a library that shards by it opens one judged bot per
    /// shard), all of which may identify at once.
    static func response(
        method: String, target: String, gatewayURL: String, shards: Int = 1, answering routes: Routes = .mock
    ) -> [UInt8] {
        let path = String(target.split(separator: "?", maxSplits: 1).first ?? "")
        // Any API version prefix: /api/v10/gateway, /api/v9/gateway, /api/gateway.
        var route = path
        if route.hasPrefix("/api/") {
            route = String(route.dropFirst(4))
            if route.hasPrefix("/v"), let slash = route.dropFirst(2).firstIndex(of: "/"),
                route[route.index(route.startIndex, offsetBy: 2)..<slash].allSatisfy(\.isNumber)
            {
                route = String(route[slash...])
            }
        }
        guard method == "GET" else {
            return json(405, "Method Not Allowed", ["message": "405: Method Not Allowed", "code": 0])
        }
        switch route {
        case "/gateway":
            return json(200, "OK", ["url": .string(gatewayURL)])
        case "/gateway/bot":
            return json(
                200, "OK",
                [
                    "url": .string(gatewayURL), "shards": .integer(Int64(shards)),
                    "session_start_limit": [
                        "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": .integer(Int64(shards)),
                    ],
                ])
        case "/users/@me" where routes == .mock:
            return json(200, "OK", botUser)
        case "/oauth2/applications/@me" where routes == .mock:
            return json(200, "OK", application)
        default:
            if routes == .gatewayOnly {
                return json(
                    404, "Not Found",
                    [
                        "message": .string(
                            "404: gatewayctl proxy answers only GET /api/v10/gateway and /gateway/bot; send \(path) to Discord's REST API"),
                        "code": 0,
                    ])
            }
            return json(
                404, "Not Found",
                ["message": .string("404: gatewayctl serve answers only the gateway's REST calls, not \(path)"), "code": 0])
        }
    }

    static let botUser: GatewayValue = [
        "id": .string(ServeSampleData.botUserID), "username": "gatewayctl-bot", "discriminator": "0",
        "global_name": nil, "avatar": nil, "bot": true, "verified": true, "flags": 0, "mfa_enabled": false,
    ]

    static let application: GatewayValue = [
        "id": .string(ServeSampleData.botUserID), "name": "gatewayctl-bot", "icon": nil, "description": "",
        "bot_public": true, "bot_require_code_grant": false, "flags": 0,
        "owner": ["id": "1000000000000000002", "username": "owner", "discriminator": "0", "avatar": nil],
        "verify_key": "0000000000000000000000000000000000000000000000000000000000000000", "team": nil,
    ]

    private static func json(_ status: Int, _ reason: String, _ body: GatewayValue) -> [UInt8] {
        let bytes = GatewayJSON.encode(body)
        let head =
            "HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/json\r\nContent-Length: \(bytes.count)\r\n"
            + "Connection: close\r\n\r\n"
        return Array(head.utf8) + bytes
    }
}
