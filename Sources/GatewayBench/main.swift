// gateway-bench: replay throughput of the gateway client on a raw inbound dump, or of each codec alone.
// See Benchmarks/README.md.

import DiscordGateway
import Foundation

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(status)
}

let options: BenchOptions
do {
    options = try BenchOptions(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    fail(error.description, status: 2)
}

let summary: CorpusSummary?
do {
    summary = try CorpusSummary.load(besides: options.file)
} catch {
    fail("cannot read \(options.file).json: \(error)", status: 66)
}
let sniffed = CorpusSummary.sniff(options.file)
guard let encoding = options.encoding ?? summary?.encoding ?? sniffed.0,
    let compression = options.compression ?? summary?.compression ?? sniffed.1
else {
    fail("cannot tell the corpus's encoding and compression: pass --encoding and --compress", status: 2)
}

let source: CaptureSource
do {
    source = try CaptureSource(path: options.file, chunkSize: options.chunkSize, streams: options.streams)
} catch {
    fail(error.description, status: 66)
}
print(
    "gateway-bench \(options.file) encoding=\(encoding.rawValue) compress=\(compression.rawValue) "
        + "chunk=\(options.chunkSize) input=\(source.isStreamed ? "streamed" : "memory") "
        + (options.proxies ? "through=proxy " : "")
        + "warmup=\(options.warmupCount) repeat=\(options.repeatCount)")

if options.codecOnly {
    do {
        try CodecBench(
            source: source, encoding: encoding, compression: compression, warmup: options.warmupCount,
            repeats: options.repeatCount
        ).run()
    } catch {
        fail("codec benchmark failed: \(error)", status: 1)
    }
    exit(0)
}

let replay = ReplayRun(source: source, encoding: encoding, compression: compression)
let proxied = ProxyRun(source: source, encoding: encoding, compression: compression)
var tally = ReplayTally()
let times: [Double]
do {
    times = try Measurement.time(warmup: options.warmupCount, repeats: options.repeatCount) {
        tally = try options.proxies ? proxied.run() : replay.run()
    }
} catch {
    fail("replay failed: \(error)", status: 1)
}

let wireMB = Double(tally.wireBytes) / 1e6
let decompressedMB = Double(tally.decompressedBytes) / 1e6
for (index, seconds) in times.enumerated() {
    print(
        "run \(index + 1): messages=\(tally.messages) seconds=\(Measurement.format(seconds, decimals: 4)) "
            + "msgs_per_s=\(Measurement.grouped(Double(tally.messages) / seconds))")
}
let median = Measurement.median(times)
let peak = Measurement.peakResidentBytes().map { Measurement.format(Double($0) / 1e6, decimals: 1) } ?? "n/a"
print(
    "median of \(times.count): messages=\(tally.messages) wire_MB=\(Measurement.format(wireMB, decimals: 2)) "
        + "decompressed_MB=\(Measurement.format(decompressedMB, decimals: 2)) "
        + "seconds=\(Measurement.format(median, decimals: 4)) "
        + "msgs_per_s=\(Measurement.grouped(Double(tally.messages) / median)) "
        + "wire_MB_per_s=\(Measurement.format(wireMB / median, decimals: 1)) "
        + "decompressed_MB_per_s=\(Measurement.format(decompressedMB / median, decimals: 1)) "
        + "peak_rss_MB=\(peak)")

guard options.verifies else { exit(0) }
guard let summary else {
    print("no \(options.file).json: counts not checked")
    exit(0)
}
// Through the proxy READY is encoded again with its resume_gateway_url pointing at the proxy
// (ETF may pick other term forms for the same values): its size may change, nothing else.
let problems = summary.mismatches(tally, readyGrowth: options.proxies ? -4096...4096 : 0...0)
for problem in problems { print("MISMATCH: \(problem)") }
print(problems.isEmpty ? "counts match FILE.json" : "FAILED: counts differ from FILE.json")
exit(problems.isEmpty ? 0 : 1)
