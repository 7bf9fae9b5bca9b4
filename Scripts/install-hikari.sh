#!/usr/bin/env bash
# Installs hikari from PyPI into a Python virtual environment, for running
# Scripts/hikari_bot.py (a real third-party bot) against `gatewayctl serve`.
#
#   Scripts/install-hikari.sh [VENV_DIR]
#
# VENV_DIR defaults to .build/hikari-venv under the repository root (.build/
# is git-ignored). The bot then runs as VENV_DIR/bin/python Scripts/hikari_bot.py.
#
# What is installed, all from PyPI and pinned:
#   hikari          the library under test (it pulls in aiohttp, attrs,
#                   colorlog, multidict, ...). It needs Python 3.11 or newer.
#   backports.zstd  hikari.impl.shard imports it (on Pythons before 3.14, which
#                   lack the standard library's compression.zstd) and, when it
#                   can, asks the gateway for `compress=zstd-stream`; without it
#                   hikari asks for `compress=zlib-stream`. It is what hikari's
#                   own `hikari[zstd]` extra installs. Installing it makes the
#                   default run exercise zstd-stream; the bot's --compress flag
#                   picks either (or none).
#
# Idempotent: does nothing when VENV_DIR already has these versions. Quiet on
# success; on failure says what failed (with pip's output) and exits non-zero.
# If `python3 -m venv` fails (Debian without python3-venv) and this runs as
# root with apt-get, it installs python3-venv and tries again.
# PYTHON=/path/to/python3 picks the interpreter (default: python3 on PATH).
set -euo pipefail

HIKARI_VERSION="2.7.0"
BACKPORTS_ZSTD_VERSION="1.8.0"

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${1:-$root/.build/hikari-venv}"
python="${PYTHON:-python3}"

fail() { echo "install-hikari: $*" >&2; exit 1; }

command -v "$python" >/dev/null 2>&1 || fail "no '$python' on PATH (install Python 3.11 or newer)"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || fail "hikari $HIKARI_VERSION needs Python 3.11 or newer; '$python' is $("$python" -V 2>&1) (set PYTHON=)"

# Already there? Same versions, and hikari picks zstd-stream.
check() {
    [ -x "$venv/bin/python" ] || return 1
    "$venv/bin/python" - "$HIKARI_VERSION" "$BACKPORTS_ZSTD_VERSION" >/dev/null 2>&1 <<'EOF'
import sys
from importlib.metadata import version
assert version("hikari") == sys.argv[1], version("hikari")
if sys.version_info < (3, 14):
    assert version("backports.zstd") == sys.argv[2], version("backports.zstd")
import hikari.impl.shard
from hikari.api.shard import GatewayCompression
assert hikari.impl.shard._DEFAULT_COMPRESS_TYPE == GatewayCompression.TRANSPORT_ZSTD_STREAM
EOF
}
check && exit 0

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

source "$root/Scripts/lib/python-venv.sh"
ensure_venv "$venv" "$python"

# backports.zstd only where hikari would use it (the same marker as hikari[zstd]).
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        "hikari==$HIKARI_VERSION" "backports.zstd==$BACKPORTS_ZSTD_VERSION; python_version < '3.14'" >"$log" 2>&1; then
    cat "$log" >&2
    fail "pip could not install hikari==$HIKARI_VERSION and backports.zstd==$BACKPORTS_ZSTD_VERSION into $venv"
fi

check || fail "installed, but $venv/bin/python does not import hikari $HIKARI_VERSION with zstd-stream"
