#!/bin/sh
# Regenerates the decode fixtures with the real tools (xxd, hexdump, od, base64).
# frames.bin: the first two server frames of the sample session (zlib-stream
# HELLO and READY), a client's masked text frame (a heartbeat) and the server's
# close frame (1000). Run Scripts/make-sample.sh first if samples/ changed.
set -eu
cd "$(dirname "$0")"
python3 - <<'PY'
import struct
frames = open('../../../../samples/session-conn1-frames.raw', 'rb').read()[:291]
payload = b'{"op":1,"d":4}'
key = bytes([0x37, 0xfa, 0x21, 0x3d])
masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
client = bytes([0x81, 0x80 | len(payload)]) + key + masked
close = bytes([0x88, 0x02]) + struct.pack('>H', 1000)
open('frames.bin', 'wb').write(frames + client + close)
PY
xxd frames.bin > frames.xxd
xxd -p frames.bin > frames.xxd-p
xxd -g1 -c8 -u frames.bin > frames.xxd-g1-c8
hexdump -C frames.bin > frames.hexdump-C
od -An -tx1 -v frames.bin > frames.od-v
base64 frames.bin > frames.base64
python3 -c "import sys; d=open('frames.bin','rb').read(); print(', '.join('0x%02x' % b for b in d))" > frames.c-array
python3 -c "import sys; d=open('frames.bin','rb').read(); print(':'.join('%02x' % b for b in d))" > frames.colons
