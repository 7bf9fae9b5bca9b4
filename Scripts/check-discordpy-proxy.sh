#!/usr/bin/env bash
# A real third-party bot through `gatewayctl proxy`: discord.py from PyPI
# (Scripts/install-discordpy.sh) takes its gateway from a proxy in front of
# `gatewayctl serve`, and REST from serve itself, as a bot would from Discord
# (the proxy answers only the gateway's REST calls, and discord.py asks for
# /users/@me at login). serve judges nothing here: it plays a recorded session
# of its normal and reconnect scenarios (GUILD_CREATE, then the MESSAGE_CREATE
# replayed at the RESUME; recorded first with our own client as the bot) to
# the bot that identifies. The proxy makes
# two faults: a RECONNECT once three dispatches reached the bot (READY and
# those two), then a dropped connection as the RESUMED that follows arrives.
#
# Passes when discord.py got its guild and message, resumed after each fault
# (two "resumed" in its output, one IDENTIFY, two RESUMEs, both through the
# proxy to serve's session), ended cleanly, serve and the proxy stopped cleanly
# on SIGTERM, and the bot's token appears in no output.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build/discordpy-venv
token="discordpy-proxy.mock-token"
bash Scripts/install-discordpy.sh "$venv"
source Scripts/lib/serve-bot.sh
gatewayctl_work

fail() {
    echo "check-discordpy-proxy: FAIL: $*" >&2
    tail -n 20 "$work"/*.err >&2
    exit 1
}

# The traffic: serve's scenarios, recorded by serve with our own client as the bot.
start_listening recording serve --heartbeat-interval 500 --timeout 10 --scenario normal --scenario reconnect \
    --record "$work/recorded.gwcap"
DISCORD_TOKEN="$token" "$gatewayctl" connect "$listening_gateway" --format jsonl --no-status --duration 20 \
    > "$work/connect.jsonl" 2> "$work/connect.err" &
connect_pid=$!
wait "$listening_pid" || fail "serve's scenarios did not pass with our own client"
kill -INT "$connect_pid"
wait "$connect_pid" || true

start_listening serve serve --heartbeat-interval 1000 --capture "$work/recorded.gwcap" --speed 0
serve_pid="$listening_pid"
rest="$listening_base"
start_listening proxy proxy --upstream "$listening_gateway" --inject reconnect@after=3 --inject drop@on=RESUMED
proxy_pid="$listening_pid"

bot_status=0
"$venv/bin/python" Scripts/discordpy_bot.py --base "$rest" --gateway "$listening_gateway" --token "$token" --seconds 4 \
    > "$work/bot.jsonl" 2> "$work/bot.err" || bot_status=$?
statuses=""
for pid in "$proxy_pid" "$serve_pid"; do
    kill -TERM "$pid"
    status=0
    wait "$pid" || status=$?
    statuses+="$status "
done

[[ "$bot_status" == 0 ]] || fail "the bot exited $bot_status"
[[ "$statuses" == "143 143 " ]] || fail "the proxy and serve exited $statuses, not 143 (SIGTERM) each"
if token_appears "$token" "$work"/*.jsonl "$work"/*.err "$work/recorded.gwcap"; then
    fail "the bot's token appears in the output"
fi
python3 - "$work" <<'PY' || fail "see above"
import json, sys
work = sys.argv[1]
read = lambda name: [json.loads(line) for line in open(f"{work}/{name}") if line.strip()]
bot, proxy, serve = read("bot.jsonl"), read("proxy.jsonl"), read("serve.jsonl")
problems = []
def check(ok, what):
    if not ok:
        problems.append(what)

events = [line["event"] for line in bot]
check(events.count("resumed") == 2, f'discord.py resumed {events.count("resumed")} times, not 2 (once per fault)')
check(events.count("guild") == 1 and events.count("message") == 1, "discord.py did not get the guild and the message")
check(events.count("ready") >= 1, "discord.py never fired on_ready")
sent = [line["op"] for line in bot if line["event"] == "send" and line["op"] in (2, 6)]
check(sent == [2, 6, 6], f"discord.py sent IDENTIFY and RESUME as {sent}, not [2, 6, 6]")
last = None
for line in bot:
    if line["event"] == "dispatch":
        last = line["s"]
    elif line["event"] == "send" and line["op"] == 6:
        check(line["seq"] == last, f'a RESUME asked for seq {line["seq"]}, not the last one discord.py got ({last})')
check(bot[-1] == {"event": "exit", "code": 0}, f"discord.py ended with {bot[-1]}")
check(any(line == {"event": "op", "op": 7} for line in bot), "discord.py did not get the proxy's RECONNECT")

messages = [line.get("message", "") for line in proxy if line.get("kind") == "info"]
for fault in ("reconnect@after=3", "drop@on=RESUMED"):
    check(messages.count(f"injecting {fault}") == 1, f"the proxy did not make {fault} once")
resumes = sorted({line["conn"] for line in proxy if line.get("kind") == "sent" and line.get("op") == 6})
check(len(resumes) == 2, f"the proxy relayed RESUME on connections {resumes}, not two")
check(any(message.startswith("READY's resume_gateway_url") for message in messages), "the proxy did not rewrite READY's resume URL")
check(not any("broke a rule" in line.get("message", "") for line in proxy if line.get("kind") == "error"), "the proxy saw a rule broken")

told = [line.get("message", "") for line in serve if line.get("kind") == "info"]
check(sum(m.startswith("IDENTIFY accepted") for m in told) == 1, "serve did not accept exactly one IDENTIFY")
check(sum(m.startswith("RESUME of session") for m in told) == 2, "serve did not see two RESUMEs of the session")
check(not any(line.get("kind") == "error" for line in serve), "serve reported an error")

for problem in problems:
    print(f"check-discordpy-proxy: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
echo "check-discordpy-proxy: discord.py $("$venv/bin/python" -c 'import discord; print(discord.__version__)') resumed through gatewayctl proxy after an injected RECONNECT and an injected drop"
