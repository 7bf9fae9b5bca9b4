#!/usr/bin/env bash
# A real third-party bot against `gatewayctl serve`: discord.py from PyPI
# (Scripts/install-discordpy.sh, a virtual environment under .build/), pointed at
# the server for REST and gateway by Scripts/discordpy_bot.py, through the
# scenarios every bot must handle. Passes when serve's every check passed (its
# exit status 0) and the bot's token appears nowhere in serve's output.
#
# discord.py declares a connection dead after 60 s without a HEARTBEAT_ACK
# (Client's heartbeat_timeout), whatever the interval, so the zombie scenario
# gets a 75 s timeout. Then a sharded bot (two shards judged apart) and a presence
# burst that discord.py must pace under the gateway's rate limit.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.build/discordpy-venv
bash Scripts/install-discordpy.sh "$venv"
source Scripts/lib/serve-bot.sh
scenarios="normal server-heartbeat reconnect invalid-session-resumable invalid-session large-ready slow-hello drop zombie"
serve_against_bot check-discordpy discordpy-mock-token 75 "$scenarios" "$venv/bin/python" Scripts/discordpy_bot.py
# A sharded bot: AutoShardedClient opens the shard count GET /gateway/bot recommends
# (serve's --bots), and serve judges each shard on its own.
sharded="normal reconnect invalid-session"
SERVE_OPTIONS=(--bots 2)
serve_against_bot check-discordpy discordpy-mock-token 30 "$sharded" "$venv/bin/python" Scripts/discordpy_bot.py --sharded
bots="$(python3 -c 'import json,sys; print(sorted({json.loads(l).get("bot") for l in open(sys.argv[1]) if "\"verdict\"" in l}))' "$work/serve.jsonl")"
if [[ "$bots" != "[1, 2]" ]]; then
    echo "check-discordpy: FAIL: the sharded bot's verdicts name bots $bots, not [1, 2]" >&2
    exit 1
fi
# rate-limit, at Discord's own heartbeat interval: a burst of 150 presence changes at the
# first READY, which discord.py's gateway rate limiter (110 sends per 60 s, heartbeats
# apart) must pace under the gateway's 120. The check must have counted the burst, or
# its pass says nothing.
SERVE_OPTIONS=(--heartbeat-interval 41250)
serve_against_bot check-discordpy discordpy-mock-token 30 rate-limit "$venv/bin/python" Scripts/discordpy_bot.py --presence-burst 150
counted="$(python3 -c 'import json,sys; print(next(json.loads(l)["observed"].split()[0] for l in open(sys.argv[1]) if "\"rate-limit\"" in l and "\"verdict\"" in l))' "$work/serve.jsonl")"
if (( counted < 100 )); then
    echo "check-discordpy: FAIL: rate-limit counted $counted payloads; the burst did not reach serve" >&2
    exit 1
fi
echo "check-discordpy: discord.py $("$venv/bin/python" -c 'import discord; print(discord.__version__)') passed $(wc -w <<< "$scenarios") scenarios against gatewayctl serve, and $(wc -w <<< "$sharded") with two shards judged apart, and rate-limit with $counted payloads in its window"
