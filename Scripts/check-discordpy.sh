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
echo "check-discordpy: discord.py $("$venv/bin/python" -c 'import discord; print(discord.__version__)') passed $(wc -w <<< "$scenarios") scenarios against gatewayctl serve"
