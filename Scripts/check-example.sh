#!/usr/bin/env bash
# Runs the README's two examples against `gatewayctl serve` on loopback
# (Scripts/example-gateway.script: heartbeats every 400 ms, two messages
# after READY), one serve each, and checks what each side saw:
# - the socket-loop example (Examples/BlockingLoop) prints READY and the two
#   MESSAGE_CREATEs and closes with 1000;
# - the async bot (Examples/Bot, "A bot in 20 lines", whose code the README
#   shows verbatim) prints READY and the two messages' contents, closes with
#   1000 after the third dispatch and exits 0;
# for each, serve passes both heartbeat checks, sees a zlib-stream connection
# and its close 1000, never shows the token, and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product blocking-loop-example >/dev/null
swift build --product bot-example >/dev/null
swift build --product gatewayctl >/dev/null
bin="$(swift build --show-bin-path)"
work="$(mktemp -d)"
serve_pid=""
trap '[[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT

fail() { echo "check-example: FAIL: $*" >&2; exit 1; }

# Starts serve with the example script; sets $url and $serve_pid.
start_serve() {
    timeout 60 "$bin/gatewayctl" serve --port 0 --format jsonl --heartbeat-interval 400 --timeout 10 \
        --script Scripts/example-gateway.script >"$work/serve.jsonl" 2>"$work/serve.err" &
    serve_pid=$!
    for _ in $(seq 100); do
        grep -q '"kind":"listening"' "$work/serve.jsonl" 2>/dev/null && break
        sleep 0.1
    done
    url="$(python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["gateway"])' "$work/serve.jsonl")"
}

# Waits for serve and checks what it saw of example $1.
check_serve() {
    local name="$1" status=0
    wait "$serve_pid" || status=$?
    serve_pid=""
    python3 - "$work/serve.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    item = json.loads(line)
    if item.get("kind") == "verdict":
        print(f'{"pass" if item["passed"] else "FAIL"}  {item["check"]:38} {item["observed"]}')
PY
    [[ "$status" == 0 ]] || { tail -20 "$work/serve.err" >&2; fail "$name: serve exited $status"; }
    grep -q '"kind":"verdicts","passed":2,"failed":0' "$work/serve.jsonl" || fail "$name: serve did not judge both heartbeats"
    grep -q '"message":"bot connected: v=10, json, zlib-stream"' "$work/serve.jsonl" ||
        fail "$name: serve did not see a v=10 json zlib-stream connection"
    grep -q '"message":"connection ended: client closed with 1000"' "$work/serve.jsonl" ||
        fail "$name: serve did not see the example close with 1000"
    ! grep -qF "example-token" "$work/serve.jsonl" "$work/serve.err" || fail "$name: the token appears in serve's output"
}

# The socket loop.
start_serve
DISCORD_TOKEN="Bot example-token" timeout 30 "$bin/blocking-loop-example" "$url" 3 >"$work/client.out"
expected="1 READY
2 MESSAGE_CREATE
3 MESSAGE_CREATE"
if ! diff <(head -n3 "$work/client.out") <(echo "$expected"); then
    echo "example printed:"; cat "$work/client.out"; fail "the example did not print READY and two MESSAGE_CREATEs"
fi
grep -q "^disconnected: client closed with NORMAL_CLOSURE (1000)" "$work/client.out" || {
    echo "example printed:"; cat "$work/client.out"; fail "the example did not close cleanly"; }
check_serve blocking-loop-example
echo "example: ok"

# The README shows the bot's code as it is: the block after "## A bot in 20 lines" is the file.
python3 - README.md Examples/Bot/main.swift <<'PY' || fail "README's \"A bot in 20 lines\" is not Examples/Bot/main.swift"
import sys
readme, source = open(sys.argv[1]).read(), open(sys.argv[2]).read()
section = readme.split("## A bot in 20 lines\n", 1)[1]
block = section.split("```swift\n", 1)[1].split("```", 1)[0]
sys.exit(0 if block == source else 1)
PY

# The async bot: its log lines go to standard error, which must not show the token either.
start_serve
bot_status=0
DISCORD_TOKEN="Bot example-token" timeout 30 "$bin/bot-example" "$url" 3 >"$work/bot.out" 2>"$work/bot.err" || bot_status=$?
[[ "$bot_status" == 0 ]] || { cat "$work/bot.out" "$work/bot.err"; fail "bot-example exited $bot_status"; }
expected="READY
message 2
message 3
disconnected: client closed with NORMAL_CLOSURE (1000) (closed as requested); reconnect and identify"
if ! diff "$work/bot.out" <(echo "$expected"); then
    echo "bot-example printed:"; cat "$work/bot.out"; fail "the bot did not print READY, the two messages and its close 1000"
fi
! grep -qF "example-token" "$work/bot.out" "$work/bot.err" || fail "the token appears in the bot's output"
check_serve bot-example
echo "bot example: ok"
