# Sourced by the install-*.sh scripts: makes (or reuses) a Python virtual
# environment with pip, the one step they share.
#
#   ensure_venv VENV PYTHON   (uses the caller's fail function and $log file)
#
# A directory left half-made by a failed `python3 -m venv` (no pip inside) is
# made again in place; an empty directory is used; anything else is refused.
# When `python3 -m venv` fails (Debian without python3-venv) and this runs as
# root with apt-get, python3-venv is installed and the venv made again.

ensure_venv() {
    local venv="$1" python="$2"
    make_venv() { "$python" -m venv "$venv" >"$log" 2>&1 && [ -x "$venv/bin/python" ] \
        && "$venv/bin/python" -m pip --version >/dev/null 2>&1; }
    if [ -e "$venv" ] && [ ! -f "$venv/pyvenv.cfg" ] && [ -n "$(ls -A "$venv" 2>/dev/null || echo file)" ]; then
        fail "$venv exists and is not a Python virtual environment; remove it or pass another VENV_DIR"
    fi
    if [ -x "$venv/bin/python" ] && "$venv/bin/python" -m pip --version >/dev/null 2>&1; then return 0; fi
    make_venv && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; } >"$log" 2>&1 \
            || { cat "$log" >&2; fail "apt-get install python3-venv failed"; }
        make_venv || { cat "$log" >&2; fail "'$python -m venv $venv' failed even with python3-venv installed"; }
    else
        cat "$log" >&2
        fail "'$python -m venv $venv' failed; install python3-venv (apt-get install python3-venv) and run this again"
    fi
}
