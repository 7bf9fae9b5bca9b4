#!/usr/bin/env python3
"""Writes the seed corpora of the zlib-stream, hexdump-parse and capture-read
fuzz targets into Fuzz/Corpus/<target>/, from files in the repository: the
sample session (samples/), the hexdump fixtures of the CLI tests, and
zlib-stream messages compressed here from the sample's payloads.

Usage: python3 Fuzz/make_input_seeds.py

Each target reads its decisions from the end of its input, back to front
(see FuzzSupport.FuzzedData); the seeds append the decisions their payload
needs, the first decision last. Files are named by content hash, so
re-running only adds.
"""
import glob, hashlib, os, zlib

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def write(target, data):
    folder = os.path.join(root, 'Fuzz', 'Corpus', target)
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha256(data).hexdigest()[:16]
    with open(os.path.join(folder, name), 'wb') as f:
        f.write(data)

def decisions(*values):
    """Decision bytes for FuzzedData: the first decision is read from the last byte."""
    out = b''
    for v in values:
        out = bytes(v) + out if isinstance(v, (list, bytes)) else bytes([v]) + out
    return out

sample = open(os.path.join(root, 'samples', 'session.gwcap'), 'rb').read()

# zlib-stream: arbitrary mode (last byte odd) with a cap and message sizes, and round trip (even).
compressor = zlib.compressobj()
messages = [compressor.compress(p) + compressor.flush(zlib.Z_SYNC_FLUSH) for p in
            [b'{"op":10,"d":{"heartbeat_interval":41250}}', b'{"op":11,"d":null}',
             b'{"op":0,"s":1,"t":"READY","d":{"v":10,"session_id":"abc"}}']]
stream = b''.join(messages)
for cap in (0, 16, 4096):
    sizes = [len(m) for m in messages]
    write('zlib-stream', stream + decisions(*[[s >> 8, s & 0xFF] for s in sizes]) + decisions([cap >> 8, cap & 0xFF], 1))
write('zlib-stream', stream[:len(stream) // 2] + b'\x00\x00\xff\xff' + decisions([0, 1], 1))
write('zlib-stream', b'{"op":1,"d":null}' + b'\x00' * 20 + decisions(3, 17, 20, 5, 9, 2, 0))

# hexdump-parse: the fixtures as text (last byte odd), and their bytes to print (even).
for path in sorted(glob.glob(os.path.join(root, 'Tests', 'GatewayCLITests', 'Fixtures', '*', '*'))):
    if path.endswith('.sh'):
        continue
    data = open(path, 'rb').read()[:3000]
    write('hexdump-parse', data + decisions(40, 1) if not path.endswith('.bin') else data + decisions(0))

# capture-read: the sample recording (cut at line ends to fit -max_len), its raw dumps, and damaged copies.
lines = sample.splitlines(keepends=True)
head = b''
for line in lines:
    if len(head) + len(line) > 7000:
        break
    head += line
for read_size, cap in ((64, 4096), (7, 200)):
    write('capture-read', head + decisions(read_size - 1, [cap >> 8, cap & 0xFF], 0))
write('capture-read', head[:-5] + decisions(3, [16, 0], 0))
write('capture-read', lines[0] + b'{"type":"chunk","dir":"in","t":0.5,"conn":1,"data":"gQI="}\n' + decisions(1, [0, 50], 0))
for name in ('session-conn1.raw', 'session-conn1-frames.raw'):
    raw = open(os.path.join(root, 'samples', name), 'rb').read()
    write('capture-read', raw + decisions(9, [1, 0], 0))
    write('capture-read', raw + decisions(9, [1, 0], 1))
