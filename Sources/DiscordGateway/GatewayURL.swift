import GatewayCodecs

/// Builds the URL of a gateway connection: the user's (or READY's resume) URL with
/// `v`, `encoding` and `compress` added after whatever query it already has.
///
/// The resume URL gets the same parameters: losing them is a known bug class
/// that makes every RESUME fail.
enum GatewayURL {
    static func connectionURL(
        base: String, apiVersion: Int, encoding: GatewayEncoding, compression: GatewayCompression
    ) -> String {
        var url = base
        // Drop a fragment: it is never sent.
        if let hash = url.firstIndex(of: "#") { url = String(url[..<hash]) }
        var parameters = ["v=\(apiVersion)", "encoding=\(encoding.rawValue)"]
        switch compression {
        case .zlibStream, .zstdStream: parameters.append("compress=\(compression.rawValue)")
        case .none, .payload: break
        }
        let query = parameters.joined(separator: "&")
        if let questionMark = url.firstIndex(of: "?") {
            let existing = url[url.index(after: questionMark)...]
            let kept = existing.split(separator: "&").filter { item in
                let name = item.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                return !["v", "encoding", "compress"].contains(name)
            }
            let base = url[..<questionMark]
            return base + "?" + (kept + [Substring(query)]).joined(separator: "&")
        }
        // `wss://host` has no path; the request target is `/`.
        let afterScheme = url.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false).last ?? Substring(url)
        if !afterScheme.contains("/") { url += "/" }
        return url + "?" + query
    }
}
