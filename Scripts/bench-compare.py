#!/usr/bin/env python3
"""Side-by-side replay throughput: gateway-bench and gatewayctl vs the Rust, Node.js and Python peers and the C floors.

Usage (from the repository root):
  python3 Scripts/bench-compare.py [--events 20000] [--rounds 5] [--repeat 3]
      [--corpus-dir /tmp/gateway-bench-corpus] [--venv /tmp/benchvenv]
      [--only json-zlib-stream,...] [--no-replay] [--no-peers] [--replay-command 'CMD {file}']

Generates the corpora with ../shared/bench/make_corpus.py (once per --events),
builds gateway-bench and gatewayctl in release and the C floor, sets up the
Python venv from ../shared/bench/requirements.txt when it is missing, then
runs, for each round and each corpus in turn: ours (gateway-bench, timed
inside the process), the end-to-end commands users run (`gatewayctl replay
--summary --quiet FILE` and `gatewayctl replay --format jsonl --no-frames FILE
> /dev/null`, wall clock including process start), the Python reference
(discord-gateway 0.4.0), the zlib floor, and (unless --no-peers) the Rust peer
(serde_json + flate2, envelope and full Value), the Node.js peer and the
simdjson floor from ../shared/bench/ (Scripts/install-bench-peers.sh installs
what they need). Each program takes the median of --repeat
runs after a warm-up; the table shows the medians over rounds of the times and
of the per-round ratios. Only ratios from one run are meaningful on a shared
machine.
"""
import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT / ".." / "shared" / "bench"

# name, make_corpus arguments, floor arguments (None: no floor), whether the reference can decode it
CORPORA = [
    ("json-none", ["--encoding", "json", "--compress", "none"], None, True),
    ("json-zlib-stream", ["--encoding", "json", "--compress", "zlib-stream"], [], True),
    ("etf-zlib-stream", ["--encoding", "etf", "--compress", "zlib-stream"], [], True),
    ("json-payload", ["--encoding", "json", "--compress", "payload"], ["--payload"], False),
    ("json-zstd-stream", ["--encoding", "json", "--compress", "zstd-stream"], None, False),
]
TARGETS = {
    "json-none": "≥ 25× Python, ≥ 1.5× Rust, ≤ 1.3× simdjson",
    "json-zlib-stream": "≤ 1.2× floor",
    "etf-zlib-stream": "≤ 1.6× floor",
    "json-payload": "≤ 1.25× floor",
    "json-zstd-stream": "(no target)",
}
# The corpora the Rust and Node.js peers decode (JSON without zstd).
PEER_CORPORA = {"json-none", "json-zlib-stream", "json-payload"}


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{shlex.join(map(str, command))} exited {result.returncode}:\n"
                           f"{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result.stdout


def seconds_from(output, pattern):
    found = re.findall(pattern, output)
    if not found:
        raise RuntimeError(f"no timing in output:\n{output[-2000:]}")
    return float(found[-1])


def setup_venv(venv):
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"setting up {venv} from {SHARED / 'requirements.txt'} (erlpack builds from source) ...", flush=True)
        interpreter = "python3.11" if subprocess.run(["which", "python3.11"], capture_output=True).returncode == 0 \
            else sys.executable
        run([interpreter, "-m", "venv", str(venv)])
        run([str(python), "-m", "pip", "install", "-q", "-r", str(SHARED / "requirements.txt")])
    return python


def make_corpora(python, directory, events, names):
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, arguments, _, _ in CORPORA:
        if name not in names:
            continue
        path = directory / f"{name}-{events}.bin"
        if not (path.exists() and Path(str(path) + ".json").exists()):
            print(f"generating {path} ...", flush=True)
            run([str(python), str(SHARED / "make_corpus.py"), "-o", str(path), "--events", str(events)] + arguments)
        files[name] = path
    return files


def build(with_cli):
    print("building gateway-bench and gatewayctl (release) and the C floor ...", flush=True)
    run(["swift", "build", "-c", "release", "--product", "gateway-bench"], cwd=ROOT)
    if with_cli:
        run(["swift", "build", "-c", "release", "--product", "gatewayctl"], cwd=ROOT)
    binaries = Path(run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT).strip())
    floor = Path("/tmp/zlib_floor")
    run(["cc", "-O2", "-o", str(floor), str(SHARED / "zlib_floor.c"), "-lz"])
    return binaries / "gateway-bench", binaries / "gatewayctl", floor


def build_peers():
    """The Rust peer (release, offline from Debian's crates; ../shared/bench/ is read-only, so it
    builds from a copy in /tmp) and the simdjson floor. The Node.js peer needs no build."""
    print("building the Rust peer (cargo, offline) and the simdjson floor ...", flush=True)
    rust_dir = Path("/tmp/rust_baseline")
    if rust_dir.exists():
        subprocess.run(["rm", "-rf", str(rust_dir / "src"), str(rust_dir / "Cargo.toml"), str(rust_dir / ".cargo")],
                       check=True)
    run(["cp", "-r", str(SHARED / "rust_baseline"), "/tmp/"])
    run(["cargo", "build", "--release", "--offline"], cwd=rust_dir)
    simdjson = Path("/tmp/simdjson_floor")
    run(["c++", "-O3", "-std=c++17", "-o", str(simdjson), str(SHARED / "simdjson_floor.cpp"), "-lsimdjson"])
    return rust_dir / "target" / "release" / "rust_baseline", simdjson


def time_command(command, repeat):
    """Wall time of an end-to-end command (process start included, output to /dev/null),
    median of repeat runs after a warm-up."""
    times = []
    for index in range(repeat + 1):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        if index > 0:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000, help="gateway messages per corpus (20000 ≈ 19 MB)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the table shows medians")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per program per round (median)")
    parser.add_argument("--corpus-dir", type=Path, default=Path("/tmp/gateway-bench-corpus"))
    parser.add_argument("--venv", type=Path, default=Path("/tmp/benchvenv"))
    parser.add_argument("--only", default="", help="comma-separated corpus names")
    parser.add_argument("--no-replay", action="store_true",
                        help="skip the end-to-end gatewayctl replay rows")
    parser.add_argument("--no-peers", action="store_true",
                        help="skip the Rust and Node.js peers and the simdjson floor")
    parser.add_argument("--replay-command", default="",
                        help="also time this end-to-end command, {file} replaced by the corpus")
    args = parser.parse_args()
    names = [name for name, *_ in CORPORA if not args.only or name in args.only.split(",")]

    python = setup_venv(args.venv)
    files = make_corpora(python, args.corpus_dir, args.events, names)
    bench, gatewayctl, floor = build(not args.no_replay)
    rust, simdjson = (None, None) if args.no_peers else build_peers()

    # End-to-end commands: (column, argument list with {file}).
    commands = []
    if not args.no_replay:
        commands.append(("summary", [str(gatewayctl), "replay", "--summary", "--quiet", "{file}"]))
        commands.append(("jsonl", [str(gatewayctl), "replay", "--format", "jsonl", "--no-frames", "{file}"]))
    if args.replay_command:
        commands.append(("custom", shlex.split(args.replay_command)))

    results = {name: {"ours": [], "python": [], "floor": [], "startup": [], "rust": [], "rust_value": [],
                      "node": [], "simdjson": [],
                      **{column: [] for column, _ in commands}} for name in names}
    for round_index in range(args.rounds):
        print(f"round {round_index + 1}/{args.rounds}", flush=True)
        for name, _, floor_arguments, reference in CORPORA:
            if name not in names:
                continue
            path = files[name]
            ours = run([str(bench), str(path), "--repeat", str(args.repeat), "--warmup", "1"])
            results[name]["ours"].append(seconds_from(ours, r"median of \d+:.* seconds=([0-9.]+)"))
            results[name].setdefault("rss", []).append(seconds_from(ours, r"peak_rss_MB=([0-9.]+)"))
            if reference:
                out = run([str(python), str(SHARED / "python_baseline.py"), str(path), "--repeat", str(args.repeat)])
                results[name]["python"].append(seconds_from(out, r"seconds=([0-9.]+)"))
            if floor_arguments is not None:
                out = run([str(floor), str(path), str(args.repeat)] + floor_arguments)
                results[name]["floor"].append(seconds_from(out, r"median_seconds=([0-9.]+)"))
            if rust is not None and name in PEER_CORPORA:
                out = run([str(rust), str(path), "--repeat", str(args.repeat)])
                results[name]["rust"].append(seconds_from(out, r"median seconds=([0-9.]+)"))
                out = run([str(rust), str(path), "--repeat", str(args.repeat), "--value"])
                results[name]["rust_value"].append(seconds_from(out, r"median seconds=([0-9.]+)"))
                out = run(["node", str(SHARED / "node_baseline.mjs"), str(path), "--repeat", str(args.repeat)])
                results[name]["node"].append(seconds_from(out, r"median seconds=([0-9.]+)"))
            if simdjson is not None and name == "json-none":
                out = run([str(simdjson), str(path), str(args.repeat)])
                results[name]["simdjson"].append(seconds_from(out, r"median_seconds=([0-9.]+)"))
            for column, template in commands:
                command = [argument.replace("{file}", str(path)) for argument in template]
                results[name][column].append(time_command(command, args.repeat))
            if commands:
                # What process start alone costs, to read the end-to-end figures against.
                results[name]["startup"].append(time_command([str(gatewayctl), "--version"], args.repeat))

    def median_ratio(numerators, denominators):
        if not numerators or not denominators:
            return None
        return statistics.median(a / b for a, b in zip(numerators, denominators))

    def cell(value, unit, decimals=1):
        return "n/a" if value is None else f"{value:.{decimals}f}{unit}"

    print()
    print(f"events={args.events} rounds={args.rounds} repeat={args.repeat} (times: medians in ms; "
          f"ratios: medians of per-round ratios)")
    med = lambda xs: statistics.median(xs) * 1e3 if xs else None
    header = ["corpus", "ours ms", "floor ms", "python ms", "ours/floor", "python/ours", "peak RSS MB", "target"]
    rows = []
    for name in names:
        r = results[name]
        rows.append([name, cell(med(r["ours"]), ""), cell(med(r["floor"]), ""), cell(med(r["python"]), ""),
                     cell(median_ratio(r["ours"], r["floor"]), "×", 2), cell(median_ratio(r["python"], r["ours"]), "×"),
                     cell(statistics.median(r["rss"]), ""), TARGETS[name]])
    print_table(header, rows)
    if rust is not None:
        print()
        print("Peers (ratio = peer time / ours, above 1 means we are faster; simdjson: ours / its parse alone):")
        print("  rust = serde_json into {op, s, t, d: IgnoredAny} + flate2; rust Value = full serde_json::Value;")
        print("  node = node_baseline.mjs (discord.js's pipeline without native add-ons); simdjson = DOM parse only")
        header = ["corpus", "ours ms", "rust ms", "rust Value ms", "node ms", "simdjson ms", "rust/ours",
                  "rust Value/ours", "node/ours", "python/ours", "ours/floor", "ours/simdjson"]
        rows = []
        for name in names:
            r = results[name]
            rows.append([name, cell(med(r["ours"]), ""), cell(med(r["rust"]), ""), cell(med(r["rust_value"]), ""),
                         cell(med(r["node"]), ""), cell(med(r["simdjson"]), ""),
                         cell(median_ratio(r["rust"], r["ours"]), "×", 2),
                         cell(median_ratio(r["rust_value"], r["ours"]), "×", 2),
                         cell(median_ratio(r["node"], r["ours"]), "×", 2),
                         cell(median_ratio(r["python"], r["ours"]), "×"),
                         cell(median_ratio(r["ours"], r["floor"]), "×", 2),
                         cell(median_ratio(r["ours"], r["simdjson"]), "×", 2)])
        print_table(header, rows)
    if commands:
        columns = [column for column, _ in commands]
        print()
        print("End to end (wall clock, process start included, output to /dev/null):")
        print("  summary = gatewayctl replay --summary --quiet FILE")
        print("  jsonl   = gatewayctl replay --format jsonl --no-frames FILE")
        if args.replay_command:
            print(f"  custom  = {args.replay_command}")
        print("  startup = gatewayctl --version")
        header = ["corpus", "gateway-bench ms"] + [f"{column} ms" for column in columns] + ["startup ms"]
        if "summary" in columns:
            header += ["summary/bench", "python/summary"]
        if "summary" in columns and "jsonl" in columns:
            header += ["jsonl/summary (≤ 2×)"]
        if "summary" in columns:
            header += ["summary/floor"]
        rows = []
        for name in names:
            r = results[name]
            row = [name, cell(med(r["ours"]), "")] + [cell(med(r[column]), "") for column in columns] \
                + [cell(med(r["startup"]), "")]
            if "summary" in columns:
                row += [cell(median_ratio(r["summary"], r["ours"]), "×", 2),
                        cell(median_ratio(r["python"], r["summary"]), "×")]
            if "summary" in columns and "jsonl" in columns:
                row += [cell(median_ratio(r["jsonl"], r["summary"]), "×", 2)]
            if "summary" in columns:
                row += [cell(median_ratio(r["summary"], r["floor"]), "×", 2)]
            rows.append(row)
        print_table(header, rows)
    return 0


def print_table(header, rows):
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(x).ljust(w) for x, w in zip(row, widths)) + " |")


if __name__ == "__main__":
    sys.exit(main())
