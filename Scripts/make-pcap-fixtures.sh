#!/usr/bin/env bash
# Regenerates the packet capture fixtures in Tests/GatewayCLITests/Fixtures/pcap/: a real
# loopback session between `gatewayctl serve` (the mock gateway) and `gatewayctl connect`,
# captured by tcpdump (pcap: Ethernet on lo, Linux cooked SLL and SLL2 on `any`) and tshark
# (pcapng). Needs root (or capture rights) and tcpdump/tshark (Scripts/install-wireshark.sh).
# The token is a fake one; the tests check it never appears in replay's output.
#
#   Scripts/make-pcap-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --product gatewayctl >/dev/null 2>&1 || true
bin="$(swift build --show-bin-path)/gatewayctl"
out=Tests/GatewayCLITests/Fixtures/pcap
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export DISCORD_TOKEN="fake.PCAP-FIXTURE-TOKEN.do-not-leak"

# capture NAME PORT "ENCODING COMPRESSION" CAPTURER...: one serve+connect session on PORT, captured
# by CAPTURER (whose arguments name the output file), written to $out/NAME, with what connect
# printed in $out/NAME.connect.jsonl (the tests compare replay's payloads with it).
capture() {
    local name="$1" port="$2" encoding compression
    read -r encoding compression <<<"$3"
    shift 3
    "$@" 2>"$work/cap.err" &
    local capturer=$!
    # Wait (at most 10 s) until the capturer says it is capturing.
    for _ in $(seq 100); do
        grep -qE 'listening on|Capturing on' "$work/cap.err" && break
        sleep 0.1
    done
    # tshark says "Capturing on" a moment before its capture child really captures.
    sleep 1
    "$bin" serve --port "$port" --scenario normal --heartbeat-interval 250 --timeout 10 --format jsonl >"$work/serve.out" &
    local server=$!
    for _ in $(seq 100); do
        grep -q '"listening"' "$work/serve.out" && break
        sleep 0.1
    done
    "$bin" connect "ws://127.0.0.1:$port" --encoding "$encoding" --compression "$compression" --format jsonl --no-status --duration 1 >"$out/$name.connect.jsonl"
    wait "$server" || true
    sleep 0.5
    kill -INT "$capturer"
    wait "$capturer" || true
    echo "$name: $(wc -c <"$work/$name") bytes"
    cp "$work/$name" "$out/$name"
}

capture json-zlib-stream-ethernet.pcap 18911 "json zlib-stream" \
    tcpdump -i lo -U -w "$work/json-zlib-stream-ethernet.pcap" 'tcp port 18911'
capture etf-linux-sll.pcap 18912 "etf none" \
    tcpdump -i any -y LINUX_SLL -U -w "$work/etf-linux-sll.pcap" 'tcp port 18912'
capture json-linux-sll2.pcap 18913 "json none" \
    tcpdump -i any -y LINUX_SLL2 -U -w "$work/json-linux-sll2.pcap" 'tcp port 18913'
capture etf-zlib-stream.pcapng 18914 "etf zlib-stream" \
    tshark -i lo -w "$work/etf-zlib-stream.pcapng" -f 'tcp port 18914'
