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
echo "check-discordpy: discord.py $("$venv/bin/python" -c 'import discord; print(discord.__version__)') passed $(wc -w <<< "$scenarios") scenarios against gatewayctl serve, and $(wc -w <<< "$sharded") with two shards judged apart"
