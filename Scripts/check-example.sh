#!/usr/bin/env bash
# Runs the README's socket-loop example (Examples/BlockingLoop) against a fake
# gateway on loopback and checks what each side saw.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product blocking-loop-example >/dev/null
binary="$(swift build --show-bin-path)/blocking-loop-example"
work="$(mktemp -d)"
trap 'rm -rf "$work"; kill "${server:-0}" 2>/dev/null || true' EXIT

python3 Scripts/fake_gateway.py 3 >"$work/port" 2>"$work/server.log" &
server=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port="$(head -n1 "$work/port")"

DISCORD_TOKEN="Bot example-token" timeout 30 "$binary" "ws://127.0.0.1:$port" 3 >"$work/client.out"
wait "$server"
cat "$work/server.log"
expected="1 READY
2 MESSAGE_CREATE
3 MESSAGE_CREATE"
if ! diff <(head -n3 "$work/client.out") <(echo "$expected"); then
    echo "example printed:"; cat "$work/client.out"; exit 1
fi
grep -q "^disconnected: client closed with NORMAL_CLOSURE (1000)" "$work/client.out" || {
    echo "example did not close cleanly:"; cat "$work/client.out"; exit 1; }
echo "example: ok"
