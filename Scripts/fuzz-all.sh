#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (CI uses 60) and fails if any
# target found a crash, hang, leak or out-of-memory input; each failure's
# input is printed as hex by Scripts/fuzz.sh.
#
#   Scripts/fuzz-all.sh SECONDS [extra libFuzzer args]
set -euo pipefail
cd "$(dirname "$0")/.."

[[ $# -ge 1 && "$1" =~ ^[0-9]+$ ]] || { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
seconds="$1"
shift

Scripts/fuzz.sh --build
failed=()
summary=()
for target in $(Scripts/fuzz.sh --list); do
    log="$(mktemp)"
    status=0
    Scripts/fuzz.sh "$target" "$seconds" "$@" >"$log" 2>&1 || status=$?
    # Keep CI logs short: the final stats, the verdict and any crash report.
    if [[ $status -eq 0 ]]; then
        grep -E '^(stat::|fuzz\.sh:)|DONE' "$log" || true
    else
        cat "$log"
        failed+=("$target")
    fi
    runs="$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -n 1)"
    cov="$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 || true)"
    summary+=("$(printf '%-20s %-6s %12s runs  %s' "$target" "$([[ $status -eq 0 ]] && echo ok || echo FAIL)" "${runs:-?}" "${cov:-}")")
    rm -f "$log"
done

echo "fuzz-all: ${seconds}s per target"
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz-all: FAILED: ${failed[*]}"
    exit 1
fi
echo "fuzz-all: every target ran clean"
