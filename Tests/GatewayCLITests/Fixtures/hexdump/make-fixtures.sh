#!/bin/sh
# Regenerates the hexdump fixtures with the real tools (xxd, hexdump, od, base64).
# sample.bin: an unmasked server text frame holding a HELLO payload, 64 zero
# bytes (so the tools collapse repeated lines into '*'), and a close frame (1000).
set -eu
cd "$(dirname "$0")"
python3 - <<'PY'
import struct
hello = b'{"op":10,"d":{"heartbeat_interval":41250},"s":null,"t":null}'
frame = bytes([0x81, len(hello)]) + hello
close = bytes([0x88, 0x02]) + struct.pack('>H', 1000)
open('sample.bin', 'wb').write(frame + bytes(64) + close)
open('trailing-zeros.bin', 'wb').write(frame + bytes(68))
PY
xxd sample.bin > sample.xxd
xxd -a sample.bin > sample.xxd-a
xxd -g1 -c8 -u sample.bin > sample.xxd-g1-c8
xxd -p sample.bin > sample.xxd-p
xxd -s 16 sample.bin > sample.xxd-s16
hexdump -C sample.bin > sample.hexdump-C
od -An -tx1 -v sample.bin > sample.od-v
od -An -tx1 sample.bin > sample.od-star
base64 sample.bin > sample.base64
hexdump -C trailing-zeros.bin > trailing-zeros.hexdump-C
xxd -a trailing-zeros.bin > trailing-zeros.xxd-a
