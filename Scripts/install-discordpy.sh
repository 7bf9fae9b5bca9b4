#!/usr/bin/env bash
# Installs discord.py from PyPI into a Python virtual environment, for running
# Scripts/discordpy_bot.py (a real third-party bot) against `gatewayctl serve`.
#
#   Scripts/install-discordpy.sh [VENV_DIR]
#
# VENV_DIR defaults to .build/discordpy-venv under the repository root (.build/
# is git-ignored). The bot then runs as VENV_DIR/bin/python Scripts/discordpy_bot.py.
#
# What is installed, all from PyPI and pinned:
#   discord.py  the library under test (it pulls in aiohttp, yarl, ...).
#   zstandard   discord.py imports it if it can and then asks the gateway for
#               `compress=zstd-stream`; without it (and on Pythons before 3.14,
#               which lack the standard library's compression.zstd) it asks for
#               `compress=zlib-stream`. Installing it makes the default run
#               exercise zstd-stream; the bot's --compress flag picks either.
#
# Idempotent: does nothing when VENV_DIR already has these versions. Quiet on
# success; on failure says what failed (with pip's output) and exits non-zero.
# If `python3 -m venv` fails (Debian without python3-venv) and this runs as
# root with apt-get, it installs python3-venv and tries again.
# PYTHON=/path/to/python3 picks the interpreter (default: python3 on PATH).
set -euo pipefail

DISCORDPY_VERSION="2.7.1"
ZSTANDARD_VERSION="0.25.0"

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${1:-$root/.build/discordpy-venv}"
python="${PYTHON:-python3}"

fail() { echo "install-discordpy: $*" >&2; exit 1; }

command -v "$python" >/dev/null 2>&1 || fail "no '$python' on PATH (install Python 3.8 or newer)"

# Already there? Same versions, and discord.py picks zstd-stream.
check() {
    [ -x "$venv/bin/python" ] || return 1
    "$venv/bin/python" - "$DISCORDPY_VERSION" "$ZSTANDARD_VERSION" >/dev/null 2>&1 <<'EOF'
import sys
from importlib.metadata import version
assert version("discord.py") == sys.argv[1], version("discord.py")
assert version("zstandard") == sys.argv[2], version("zstandard")
import discord.utils
assert discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE == "zstd-stream"
EOF
}
check && exit 0

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

source "$root/Scripts/lib/python-venv.sh"
ensure_venv "$venv" "$python"

if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        "discord.py==$DISCORDPY_VERSION" "zstandard==$ZSTANDARD_VERSION" >"$log" 2>&1; then
    cat "$log" >&2
    fail "pip could not install discord.py==$DISCORDPY_VERSION and zstandard==$ZSTANDARD_VERSION into $venv"
fi

check || fail "installed, but $venv/bin/python does not import discord.py $DISCORDPY_VERSION with zstd-stream"
