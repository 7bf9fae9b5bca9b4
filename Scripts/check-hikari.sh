#!/usr/bin/env bash
# A real third-party bot against `gatewayctl serve`: hikari from PyPI
# (Scripts/install-hikari.sh, a virtual environment under .build/), pointed at
# the server by Scripts/hikari_bot.py (GatewayBot's own rest_url=; hikari finds
# the gateway through GET /gateway/bot), through the scenarios it handles.
# Passes when serve's every check passed (its exit status 0) and the bot's token
# appears nowhere in serve's output.
#
# Not in the list, because hikari 2.7.0 does not do what Discord documents:
#   close-4001, close-4003, close-4005  hikari treats every 4xxx close code but
#       4000, 4002, 4007, 4008 and 4009 as fatal (hikari.impl.shard's
#       _RECONNECTABLE_CLOSE_CODES) and stops; Discord says reconnect.
#   close-4007, close-4009  hikari keeps the session and sends RESUME; Discord
#       says start a new session (IDENTIFY).
# The close codes that forbid reconnecting (4004, 4010-4014) pass, but each
# leaves the bot stopped, so they would need a bot per scenario; they are left
# out as for discord.py.
#
# hikari declares a connection dead when a heartbeat interval passes without a
# HEARTBEAT_ACK, so zombie needs no more than serve's default 30 s timeout.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build/hikari-venv
# Shaped like a Discord token, as hikari requires: base64 of the mock bot's id, then anything.
token="MTAwMDAwMDAwMDAwMDAwMDAwMQ.hikari-check.mock-token"
bash Scripts/install-hikari.sh "$venv"
swift build --product gatewayctl >&2
gatewayctl="$(swift build --show-bin-path)/gatewayctl"
work="$(mktemp -d)"
serve_pid=""
bot_pid=""
cleanup() {
    [[ -n "$bot_pid" ]] && kill "$bot_pid" 2> /dev/null || true
    [[ -n "$serve_pid" ]] && kill "$serve_pid" 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

scenarios=(normal server-heartbeat reconnect invalid-session-resumable invalid-session large-ready slow-hello drop zombie
    close-4000 close-4002 close-4008)
args=()
for scenario in "${scenarios[@]}"; do args+=(--scenario "$scenario"); done
"$gatewayctl" serve --port 0 --format jsonl --heartbeat-interval 1000 --timeout 30 "${args[@]}" \
    > "$work/serve.jsonl" 2> "$work/serve.err" &
serve_pid=$!
for _ in $(seq 100); do
    grep -q '"kind":"listening"' "$work/serve.jsonl" 2> /dev/null && break
    sleep 0.1
done
base="$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["rest"].rsplit("/api/", 1)[0])' "$work/serve.jsonl")"

"$venv/bin/python" Scripts/hikari_bot.py --base "$base" --token "$token" --seconds 240 \
    > "$work/bot.jsonl" 2> "$work/bot.err" &
bot_pid=$!

status=0
wait "$serve_pid" || status=$?
serve_pid=""
python3 - "$work/serve.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    item = json.loads(line)
    if item.get("kind") == "verdict":
        print(f'{"pass" if item["passed"] else "FAIL"}  {item["scenario"]:28} {item["check"]:38} {item["observed"]}')
PY
if grep -qF -e "$token" -e "${token##*.}" "$work/serve.jsonl" "$work/serve.err"; then
    echo "check-hikari: FAIL: the bot's token appears in serve's output" >&2
    exit 1
fi
if grep -q '"event": "dispatch_error"' "$work/bot.jsonl"; then
    echo "check-hikari: FAIL: hikari could not parse a payload serve sent:" >&2
    grep '"event": "dispatch_error"' "$work/bot.jsonl" >&2
    exit 1
fi
if [[ "$status" != 0 ]]; then
    echo "check-hikari: FAIL: serve exited $status" >&2
    tail -20 "$work/serve.err" "$work/bot.err" >&2
    exit 1
fi
echo "check-hikari: hikari $("$venv/bin/python" -c 'import hikari; print(hikari.__version__)') passed ${#scenarios[@]} scenarios against gatewayctl serve"
