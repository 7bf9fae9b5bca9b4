#!/usr/bin/env bash
# A real third-party bot against `gatewayctl serve`: discord.py from PyPI
# (Scripts/install-discordpy.sh, a virtual environment under .build/), pointed at
# the server for REST and gateway by Scripts/discordpy_bot.py, through the
# scenarios every bot must handle. Passes when serve's every check passed (its
# exit status 0) and the bot's token appears nowhere in serve's output.
#
# discord.py declares a connection dead after 60 s without a HEARTBEAT_ACK
# (Client's heartbeat_timeout), whatever the interval, so the zombie scenario
# gets a 75 s timeout.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build/discordpy-venv
bash Scripts/install-discordpy.sh "$venv"
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

scenarios=(normal server-heartbeat reconnect invalid-session-resumable invalid-session large-ready slow-hello drop zombie)
args=()
for scenario in "${scenarios[@]}"; do args+=(--scenario "$scenario"); done
"$gatewayctl" serve --port 0 --format jsonl --heartbeat-interval 1000 --timeout 75 "${args[@]}" \
    > "$work/serve.jsonl" 2> "$work/serve.err" &
serve_pid=$!
for _ in $(seq 100); do
    grep -q '"kind":"listening"' "$work/serve.jsonl" 2> /dev/null && break
    sleep 0.1
done
base="$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["rest"].rsplit("/api/", 1)[0])' "$work/serve.jsonl")"

"$venv/bin/python" Scripts/discordpy_bot.py --base "$base" --token discordpy-mock-token --seconds 240 \
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
if grep -q discordpy-mock-token "$work/serve.jsonl" "$work/serve.err"; then
    echo "check-discordpy: FAIL: the bot's token appears in serve's output" >&2
    exit 1
fi
if [[ "$status" != 0 ]]; then
    echo "check-discordpy: FAIL: serve exited $status" >&2
    tail -20 "$work/serve.err" "$work/bot.err" >&2
    exit 1
fi
echo "check-discordpy: discord.py $("$venv/bin/python" -c 'import discord; print(discord.__version__)') passed ${#scenarios[@]} scenarios against gatewayctl serve"
