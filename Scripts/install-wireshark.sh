#!/usr/bin/env bash
# Installs the packet tools the interop tests run for real: tshark (Wireshark's
# command-line dissector: reads what `gatewayctl export --pcapng` and
# `connect --pcapng` write, decrypts TLS with their key log) and tcpdump (makes
# the captures that `replay` reads), both from Debian's packages.
#
#   Scripts/install-wireshark.sh
#
# Idempotent: does nothing when both are on PATH. Needs root and apt-get
# otherwise (a CI machine is both); says what is missing and exits non-zero
# when it cannot install. Debian asks whether non-root users may capture
# (wireshark-common's debconf question): the non-interactive answer is no,
# which is what tests want, as they capture as root on loopback or not at all.
set -euo pipefail

fail() { echo "install-wireshark: $*" >&2; exit 1; }

if command -v tshark >/dev/null 2>&1 && command -v tcpdump >/dev/null 2>&1; then
    exit 0
fi
command -v apt-get >/dev/null 2>&1 || fail "tshark or tcpdump is missing and there is no apt-get to install them"
[ "$(id -u)" = 0 ] || fail "tshark or tcpdump is missing; installing them needs root (apt-get install tshark tcpdump)"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends tshark tcpdump >"$log" 2>&1; then
    # A fresh machine may have no package lists yet.
    apt-get update >>"$log" 2>&1 || { cat "$log" >&2; fail "apt-get update failed"; }
    apt-get install -y --no-install-recommends tshark tcpdump >>"$log" 2>&1 \
        || { cat "$log" >&2; fail "apt-get install tshark tcpdump failed"; }
fi
command -v tshark >/dev/null 2>&1 || fail "tshark is still not on PATH after installing"
command -v tcpdump >/dev/null 2>&1 || fail "tcpdump is still not on PATH after installing"
