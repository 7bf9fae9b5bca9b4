#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into Fuzz/Corpus/<target>/.

Usage: python3 Fuzz/make_seeds.py JSON_DUMP PAYLOAD_DUMP

JSON_DUMP and PAYLOAD_DUMP are inbound byte dumps from the benchmark corpus
generator (`make_corpus.py --encoding json --compress none|payload
--fragment-every 0`, a few hundred events): the 101 response, then unmasked
frames, one gateway message each. Seeds are one message per (op, t), with
large ones shrunk to two elements per array, plus every raw-string JSON
literal of Tests/GatewayCodecsTests. Files are named by content hash, so
re-running only adds; regression inputs (regression-*) are kept.
"""
import json, re, glob, os, zlib, struct, hashlib, sys
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
json_dump, payload_dump = sys.argv[1], sys.argv[2]
def frames(path):
    data = open(path,'rb').read()
    i = data.index(b'\r\n\r\n') + 4
    out = []
    while i < len(data):
        b0, b1 = data[i], data[i+1]; i += 2
        n = b1 & 0x7f
        if n == 126: n = struct.unpack('>H', data[i:i+2])[0]; i += 2
        elif n == 127: n = struct.unpack('>Q', data[i:i+8])[0]; i += 8
        out.append((b0 & 0x0f, data[i:i+n])); i += n
    return out
def shrink(v, keep=2):
    if isinstance(v, list): return [shrink(x, keep) for x in v[:keep]]
    if isinstance(v, dict): return {k: shrink(x, keep) for k, x in v.items()}
    if isinstance(v, str) and len(v) > 200: return v[:200]
    return v
seen = {}
for op, p in frames(json_dump):
    if op != 1: continue
    msg = json.loads(p)
    key = (msg['op'], msg.get('t'))
    if key in seen: continue
    raw = p if len(p) <= 2048 else json.dumps(shrink(msg), separators=(',', ':'), ensure_ascii=False).encode()
    seen[key] = raw
payloads = list(seen.values())
# Test vectors of the JSON tests (raw string literals).
vectors = []
for f in sorted(glob.glob(root + '/Tests/GatewayCodecsTests/JSON*.swift')):
    for r in re.findall(r'#"(.*?)"#', open(f, encoding='utf-8').read()):
        vectors.append(r.encode())
vectors.append(re.search(r'messageCreatePretty = #"""\n(.*?)\n"""#', open(root + '/Tests/GatewayCodecsTests/JSONTestVectors.swift').read(), re.S).group(1).encode())
def write(target, items):
    d = f'{root}/Fuzz/Corpus/{target}'
    os.makedirs(d, exist_ok=True)
    for b in items:
        open(f'{d}/{hashlib.sha1(b).hexdigest()[:16]}', 'wb').write(b)
    print(target, len(set(items)), sum(len(b) for b in set(items)))
json_seeds = [b for b in payloads + vectors if len(b) <= 8192]
write('json-decode', json_seeds)
write('json-envelope', json_seeds)
# json-kernel-diff: the first byte is the depth cap (mod 64; a space is 32).
write('json-kernel-diff', [b' ' + b for b in json_seeds])
# zlib-standalone: a stream followed by two bytes that choose the small cap (big-endian, mod 4097).
def cap(n): return struct.pack('>H', n)
z = []
for i, p in enumerate(payloads[:8]):
    z.append(zlib.compress(p, [6, 9, 1, 0][i % 4]) + cap([4096, 64, 0, 1024][i % 4]))
# Payload-compression messages exactly as the bench generator frames them.
for op, p in frames(payload_dump)[:6]:
    if op == 2 and len(p) <= 2048: z.append(p + cap(2048))
z += [zlib.compress(b'') + cap(0), zlib.compress(b'x') + cap(1),
      zlib.compress(b'\0' * (1 << 20), 9) + cap(4096),          # a small bomb: 1 MiB of zeros
      zlib.compress(b'\0' * 5000, 9) + cap(4096),
      zlib.compress(b'ab' * 2048) + cap(4096)]                  # exactly the cap
co = zlib.compressobj(6, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, zdict=b'"op":0,"d":')
z.append(co.compress(b'{"op":0,"d":null}') + co.flush() + cap(100))  # preset dictionary (refused)
write('zlib-standalone', z)
