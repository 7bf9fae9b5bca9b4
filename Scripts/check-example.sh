#!/usr/bin/env bash
# Runs the README's socket-loop example (Examples/BlockingLoop) against
# `gatewayctl serve` on loopback (Scripts/example-gateway.script: heartbeats
# every 400 ms, two messages after READY) and checks what each side saw: the
# example prints READY and the two MESSAGE_CREATEs and closes with 1000; serve
# passes both heartbeat checks, sees the example's zlib-stream connection and
# its close 1000, never shows the token, and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product blocking-loop-example >/dev/null
swift build --product gatewayctl >/dev/null
bin="$(swift build --show-bin-path)"
work="$(mktemp -d)"
serve_pid=""
trap '[[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT

timeout 60 "$bin/gatewayctl" serve --port 0 --format jsonl --heartbeat-interval 400 --timeout 10 \
    --script Scripts/example-gateway.script >"$work/serve.jsonl" 2>"$work/serve.err" &
serve_pid=$!
for _ in $(seq 100); do
    grep -q '"kind":"listening"' "$work/serve.jsonl" 2>/dev/null && break
    sleep 0.1
done
url="$(python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["gateway"])' "$work/serve.jsonl")"

DISCORD_TOKEN="Bot example-token" timeout 30 "$bin/blocking-loop-example" "$url" 3 >"$work/client.out"
status=0
wait "$serve_pid" || status=$?
serve_pid=""

fail() { echo "check-example: FAIL: $*" >&2; exit 1; }
expected="1 READY
2 MESSAGE_CREATE
3 MESSAGE_CREATE"
if ! diff <(head -n3 "$work/client.out") <(echo "$expected"); then
    echo "example printed:"; cat "$work/client.out"; fail "the example did not print READY and two MESSAGE_CREATEs"
fi
grep -q "^disconnected: client closed with NORMAL_CLOSURE (1000)" "$work/client.out" || {
    echo "example printed:"; cat "$work/client.out"; fail "the example did not close cleanly"; }

python3 - "$work/serve.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    item = json.loads(line)
    if item.get("kind") == "verdict":
        print(f'{"pass" if item["passed"] else "FAIL"}  {item["check"]:38} {item["observed"]}')
PY
[[ "$status" == 0 ]] || { tail -20 "$work/serve.err" >&2; fail "serve exited $status"; }
grep -q '"kind":"verdicts","passed":2,"failed":0' "$work/serve.jsonl" || fail "serve did not judge both heartbeats"
grep -q '"message":"bot connected: v=10, json, zlib-stream"' "$work/serve.jsonl" ||
    fail "serve did not see a v=10 json zlib-stream connection"
grep -q '"message":"connection ended: client closed with 1000"' "$work/serve.jsonl" ||
    fail "serve did not see the example close with 1000"
! grep -qF "example-token" "$work/serve.jsonl" "$work/serve.err" || fail "the token appears in serve's output"
echo "example: ok"
