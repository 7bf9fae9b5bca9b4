#!/usr/bin/env bash
# Installs what Scripts/bench-compare.py needs for the peers in
# ../shared/bench/ besides Python: Debian's packaged Rust crates (serde_json,
# flate2; the Rust peer builds offline from them, see its .cargo/config.toml),
# simdjson's headers and library (the simdjson floor), a C++ compiler, cargo
# and Node.js. Not run in CI: bench-compare is too slow for it.
#
#   Scripts/install-bench-peers.sh
#
# Idempotent: apt-get skips what is installed. Needs root (or sudo) and apt-get.
set -euo pipefail

packages=(librust-serde-json-dev librust-flate2-dev libsimdjson-dev g++)
command -v cargo >/dev/null || packages+=(cargo)
command -v node >/dev/null || packages+=(nodejs)

missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
