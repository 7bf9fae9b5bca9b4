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
source Scripts/lib/serve-bot.sh
scenarios="normal server-heartbeat reconnect invalid-session-resumable invalid-session large-ready slow-hello drop zombie
    close-4000 close-4002 close-4008"
serve_against_bot check-hikari "$token" 30 "$scenarios" "$venv/bin/python" Scripts/hikari_bot.py
if grep -q '"event": "dispatch_error"' "$work/bot.jsonl"; then
    echo "check-hikari: FAIL: hikari could not parse a payload serve sent:" >&2
    grep '"event": "dispatch_error"' "$work/bot.jsonl" >&2
    exit 1
fi
echo "check-hikari: hikari $("$venv/bin/python" -c 'import hikari; print(hikari.__version__)') passed $(wc -w <<< "$scenarios") scenarios against gatewayctl serve"
