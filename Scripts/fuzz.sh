#!/usr/bin/env bash
# Builds (incrementally) and runs one libFuzzer target of the Fuzz/ package.
#
#   Scripts/fuzz.sh --list                      the targets, one per line
#   Scripts/fuzz.sh --build [TARGET]            build one target (default: all)
#   Scripts/fuzz.sh TARGET SECONDS [ARGS...]    fuzz for SECONDS, extra libFuzzer ARGS
#   Scripts/fuzz.sh --run TARGET FILE...        run the target once on each FILE
#
# A fuzzing run starts from the committed seeds (Fuzz/Corpus/TARGET) plus
# what earlier local runs found (Fuzz/.build/corpus/TARGET, where new
# inputs are written), with the target's dictionary and -max_len from the
# `Fuzzer(...)` line in Fuzz/Package.swift. On a crash, timeout, leak or
# out-of-memory it prints the saved input as hex and exits non-zero.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FUZZ="$ROOT/Fuzz"
# libFuzzer and ASan report crashes themselves; the Swift runtime's own
# backtracer would attach to the dying process and can wedge the run.
export SWIFT_BACKTRACE=enable=no
# SwiftPM's --sanitize flags make it link with libFuzzer's main; the
# compiler also needs both sanitizers in one -sanitize= flag, or the objects
# may come out without coverage counters (see check_instrumented).
BUILD_FLAGS=(--package-path "$FUZZ" -c release --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address)

usage() {
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 64
}

# The `Fuzzer(name: "...", module: "...", dictionary: "...", maxLength: N)` lines of the package.
target_lines() {
    grep -E '^[[:space:]]*Fuzzer\(name: "' "$FUZZ/Package.swift"
}

list_targets() {
    target_lines | sed -E 's/.*name: "([^"]+)".*/\1/'
}

# field TARGET KEY: the value of KEY (dictionary, maxLength) on TARGET's line.
field() {
    local line
    line="$(target_lines | grep -F "name: \"$1\"" || true)"
    if [[ -z "$line" ]]; then
        echo "fuzz.sh: unknown target '$1'; known targets:" >&2
        list_targets >&2
        exit 64
    fi
    sed -E "s/.*$2: \"?([^\",)]+)\"?.*/\1/" <<<"$line"
}

build() {
    local product=() log status=0
    [[ $# -gt 0 ]] && product=(--product "$1")
    log="$(mktemp)"
    swift build "${BUILD_FLAGS[@]}" "${product[@]}" >"$log" 2>&1 || status=$?
    # ld.gold warns about every ASan helper symbol on each link. (lld is quiet
    # but drops the coverage counters of the library, so gold it is.)
    grep -v -e '^\[[0-9]*/[0-9]*\]' -e "Cannot export local symbol '__asan" "$log" >&2 || true
    rm -f "$log"
    [[ $status -eq 0 ]] || { echo "fuzz.sh: build failed" >&2; exit 70; }
}

binary() {
    echo "$(swift build "${BUILD_FLAGS[@]}" --show-bin-path)/$1"
}

# Refuses a binary whose library code carries no coverage counters: such a
# target would "pass" every run while exploring nothing.
check_instrumented() {
    local counters
    # `|| true`: a target that fails on the empty input must reach the real run, which reports it.
    counters="$({ "$1" -runs=0 2>&1 || true; } | sed -nE 's/.*Loaded 1 modules +\(([0-9]+) inline 8-bit counters.*/\1/p' | head -n 1)"
    if [[ -z "$counters" || "$counters" -lt 500 ]]; then
        echo "fuzz.sh: $1 has ${counters:-no} coverage counters; the build is not instrumented" >&2
        exit 70
    fi
}

print_hex() {
    echo "---- $1 ($(wc -c <"$1") bytes), hex:"
    od -An -tx1 -v "$1" | tr -d ' \n' | fold -w 64
    echo
}

case "${1:-}" in
--list)
    list_targets
    exit 0
    ;;
--build)
    if [[ $# -ge 2 ]]; then field "$2" maxLength >/dev/null; build "$2"; else build; fi
    exit 0
    ;;
--run)
    [[ $# -ge 3 ]] || usage
    target="$2"
    shift 2
    field "$target" maxLength >/dev/null
    build "$target"
    exec "$(binary "$target")" -rss_limit_mb=2048 -timeout=10 "$@"
    ;;
"" | -*)
    usage
    ;;
esac

[[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || usage
target="$1"
seconds="$2"
shift 2
max_len="$(field "$target" maxLength)"
dictionary="$(field "$target" dictionary)"

build "$target"
bin="$(binary "$target")"
check_instrumented "$bin"

seeds="$FUZZ/Corpus/$target"
work="$FUZZ/.build/corpus/$target"
artifacts="$ROOT/fuzz-artifacts/$target"
mkdir -p "$seeds" "$work" "$artifacts"

args=(
    -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048
    -print_final_stats=1 -max_total_time="$seconds"
    -artifact_prefix="$artifacts/"
)
[[ "$dictionary" != none ]] && args+=(-dict="$FUZZ/Dictionaries/$dictionary.dict")

marker="$(mktemp)"
trap 'rm -f "$marker"' EXIT
echo "fuzz.sh: $target for ${seconds}s (max_len $max_len, dictionary $dictionary)"
status=0
# The outer timeout only guards against libFuzzer itself wedging.
timeout -k 10 $((seconds + 300)) "$bin" "${args[@]}" "$@" "$work" "$seeds" || status=$?

if [[ $status -ne 0 ]]; then
    echo "fuzz.sh: $target FAILED (exit $status)"
    found=0
    while IFS= read -r -d '' file; do
        print_hex "$file"
        echo "reproduce: Scripts/fuzz.sh --run $target $file"
        found=1
    done < <(find "$artifacts" -type f -newer "$marker" -print0)
    [[ $found -eq 1 ]] || echo "fuzz.sh: no input was saved (see the output above)"
    exit 1
fi
echo "fuzz.sh: $target passed"
