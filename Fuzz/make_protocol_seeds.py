#!/usr/bin/env python3
"""Writes the seed corpora of the protocol fuzz targets into Fuzz/Corpus/<target>/.

Usage: python3 Fuzz/make_protocol_seeds.py MAKE_CORPUS_PY

MAKE_CORPUS_PY is the benchmark corpus generator (make_corpus.py); its
message model, ETF encoder and frame writer are reused, so the seeds hold
the same gateway traffic the benchmarks replay: the first 60 messages of
one connection, large ones shrunk to two elements per array. zstd-stream
seeds need the `zstandard` package. Also used: the ETF vectors of
Tests/GatewayCodecsTests/Vectors.

Each target reads its decisions (chunk sizes, caps, clock steps) from the
end of its input, back to front (see FuzzSupport.FuzzedData); the seeds
append exactly the decisions their payload needs. Files are named by
content hash, so re-running only adds; regression inputs are kept.
"""
import glob, hashlib, importlib.util, os, re, struct, sys, zlib

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location('make_corpus', sys.argv[1])
mc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mc)
import random
import zstandard

def shrink(v, keep=2):
    if isinstance(v, list): return [shrink(x, keep) for x in v[:keep]]
    if isinstance(v, dict): return {k: shrink(x, keep) for k, x in v.items()}
    if isinstance(v, mc.Atom): return v
    if isinstance(v, mc.Sf): return v
    if isinstance(v, str) and len(v) > 120: return v[:120]
    return v

# One connection's messages, each small: (op, t, message dict).
msgs = []
for m in mc.messages(60, random.Random(7)):
    m = shrink(m) if len(mc.json_encode(m)) > 700 else m
    if len(mc.json_encode(m)) > 900: m = shrink(m, 1)
    msgs.append(m)
hello = msgs[0]
small = [m for m in msgs if len(mc.json_encode(m)) <= 600]

def tail(decisions):
    """The decision bytes in file order, given each decision's bytes in read order (first read last in the file)."""
    flat = [b for d in decisions for b in d]
    return bytes(reversed(flat))

def chunk_decisions(length, size, extra=()):
    """Per chunk: its size (one byte for 1...256) then the `extra` bytes, enough chunks for `length` bytes."""
    count = max(1, -(-length // size))
    return [[size - 1, *extra] for _ in range(count)]

def write(target, items):
    d = f'{root}/Fuzz/Corpus/{target}'
    os.makedirs(d, exist_ok=True)
    items = set(items)
    for b in items:
        open(f'{d}/{hashlib.sha1(b).hexdigest()[:16]}', 'wb').write(b)
    print(target, len(items), 'files', sum(len(b) for b in items), 'bytes')

def frames_for(payloads, opcode, fragment_every=0, ping_every=0, close=None):
    rng = random.Random(3)
    out = b''
    for i, p in enumerate(payloads, 1):
        parts = 3 if fragment_every and i % fragment_every == 0 else 1
        ping = b'p%d' % i if ping_every and i % ping_every == 0 else None
        out += mc.ws_message(opcode, p, min(parts, max(1, len(p))), rng, ping)
    if close is not None: out += mc.ws_frame(0x8, close)
    return out

# ---- etf-decode: one message per (op, t) plus the committed vectors.
etf = list({(m['op'], m['t']): mc.etf_encode(m) for m in msgs}.values())
for f in glob.glob(root + '/Tests/GatewayCodecsTests/Vectors/ETF*.swift'):
    text = open(f).read()
    for group in re.findall(r'hex\(\s*((?:"[0-9a-fA-F ]*"\s*)+)\)', text):
        etf.append(bytes.fromhex(''.join(re.findall(r'"([0-9a-fA-F ]*)"', group)).replace(' ', '')))
    etf += [bytes.fromhex(h) for h in re.findall(r'"(83[0-9a-f]+)"', text)]
# COMPRESSED (tag 80) payloads, one of them announcing the wrong size.
for m in msgs[:3]:
    term = mc.etf_encode(m)[1:]
    etf.append(b'\x83P' + struct.pack('>I', len(term)) + zlib.compress(term))
etf.append(b'\x83P' + struct.pack('>I', 5) + zlib.compress(mc.etf_encode(msgs[1])[1:]))
write('etf-decode', [b for b in etf if len(b) <= 4096])

# ---- zstd-stream: one stream per seed, flushed per message; decisions: cap (2 bytes), then each length (2 bytes).
def zstd_seed(payloads, cap, level=3):
    c = zstandard.ZstdCompressor(level=level).compressobj()
    ms = [c.compress(p) + c.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK) for p in payloads]
    ds = [[cap >> 8, cap & 0xFF]] + [[max(len(m) - 1, 0) >> 8, max(len(m) - 1, 0) & 0xFF] for m in ms]
    return b''.join(ms) + tail(ds)
z = []
for enc in (mc.json_encode, mc.etf_encode):
    ps = [enc(m) for m in small]
    z += [zstd_seed(ps[:4], 4096), zstd_seed(ps[4:8], 300), zstd_seed(ps[:1], 0), zstd_seed(ps[8:10], 4096, 19)]
z.append(zstd_seed([b'\0' * 100000], 4096))  # far beyond the cap
z.append(zstd_seed([b'ab' * 2048], 4096))     # exactly the cap
z.append(zstd_seed([b''], 0))
whole = zstandard.ZstdCompressor().compress(mc.json_encode(hello))  # an ended frame
z.append(whole + tail([[0x10, 0], [0, len(whole) - 1]]))
write('zstd-stream', [b for b in z if len(b) <= 4096])

# ---- websocket-client: server frames after the 101; decisions: smallLimits, reportsFrames, split, join, chunk sizes.
def client_seed(stream, size, small_limits=0, reports=0, split=60, join=1):
    return stream + tail([[small_limits], [reports], [split], [join]] + chunk_decisions(len(stream), size))
jsonp = [mc.json_encode(m) for m in small]
etfp = [mc.etf_encode(m) for m in small]
ws = [
    client_seed(frames_for(jsonp[:6], 0x1, fragment_every=2, ping_every=3, close=b'\x0f\xa0bye'), 256),
    client_seed(frames_for(etfp[:5], 0x2, ping_every=2, close=b'\x03\xe8'), 97, reports=1, split=0),
    client_seed(frames_for(jsonp[6:9], 0x1, fragment_every=1, close=b''), 5, split=129, join=0),
    client_seed(frames_for(jsonp[9:12], 0x1), 256, small_limits=1),
    client_seed(mc.ws_frame(0x9, b'hello') + mc.ws_frame(0xA, b'') + mc.ws_frame(0x1, 'héllo'.encode()), 3),
    client_seed(mc.ws_frame(0x1, b'\xc3') + mc.ws_frame(0x8, b'\x03\xe8\xff'), 1),            # bad UTF-8
    client_seed(b'\x81\x7e\x00\x05hello' + mc.ws_frame(0x2, b'x' * 300), 256, small_limits=1),  # non-minimal length; too big
    client_seed(b'\x89\xfe' + b'\x00' * 4, 256),                                                # masked, long control
    client_seed(frames_for([zlib.compress(p) for p in jsonp[:3]], 0x2, close=b'\x0f\xa4'), 200),
]
write('websocket-client', [b for b in ws if len(b) <= 4096])

# ---- websocket-handshake: responses from the start; decisions: smallLimits, chunk sizes.
accept = mc.accept_for(mc.REQUEST_KEY)
def handshake_seed(stream, size, small_limits=0):
    return stream + tail([[small_limits]] + chunk_decisions(len(stream), size))
ok = ('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
      f'Sec-WebSocket-Accept: {accept}\r\n\r\n').encode()
hs = [
    handshake_seed(ok, 256),
    handshake_seed(ok + frames_for(jsonp[:2], 0x1, close=b'\x03\xe8'), 13),
    handshake_seed(('HTTP/1.1 101 Switching Protocols\r\nDate: Sat, 01 Jun 2024 00:00:00 GMT\r\nConnection: upgrade\r\n'
                    f'Upgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n\r\n').encode(), 1),
    handshake_seed(('HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\n'
                    f'sec-websocket-accept: {accept}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n').encode(), 256),
    handshake_seed(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                   b'Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n', 256),
    handshake_seed(b'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nbad request', 7),
    handshake_seed(b'HTTP/1.1 429 Too Many Requests\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', 256, 1),
    handshake_seed(b'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n' + b'x' * 40, 256, 1),
    handshake_seed(b'HTTP/1.0 200 OK\r\n\r\n', 2),
    handshake_seed(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n Connection: Upgrade\r\n\r\n', 256),
]
write('websocket-handshake', hs)

# ---- gateway-connection: a whole connection after the 101, per setup; decisions: setup, then per read its size and clock step.
SETUPS = [('json', 'none'), ('json', 'zlib-stream'), ('json', 'zstd-stream'), ('json', 'payload'),
          ('etf', 'none'), ('etf', 'zlib-stream'), ('etf', 'zstd-stream')]
def gateway_stream(encoding, compression, payloads, close):
    enc = mc.etf_encode if encoding == 'etf' else mc.json_encode
    raw = [enc(m) for m in payloads]
    if compression == 'zlib-stream':
        c = zlib.compressobj()
        bodies = [c.compress(p) + c.flush(zlib.Z_SYNC_FLUSH) for p in raw]
    elif compression == 'zstd-stream':
        c = zstandard.ZstdCompressor().compressobj()
        bodies = [c.compress(p) + c.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK) for p in raw]
    elif compression == 'payload':
        bodies = [zlib.compress(p) if i % 2 else p for i, p in enumerate(raw)]
    else:
        bodies = raw
    rng = random.Random(5)
    out = b''
    for i, b in enumerate(bodies):
        text = encoding == 'json' and (compression == 'none' or (compression == 'payload' and i % 2 == 0))
        out += mc.ws_message(0x1 if text else 0x2, b, 2 if i % 4 == 3 and len(b) > 1 else 1, rng,
                             b'p' if i % 5 == 4 else None)
    return out + (mc.ws_frame(0x8, close) if close is not None else b'')
hello_fast = {'t': None, 's': None, 'op': 10, 'd': {'heartbeat_interval': 1000, '_trace': ['gw']}}
ack = {'t': None, 's': None, 'op': 11, 'd': None}
beat = {'t': None, 's': None, 'op': 1, 'd': None}
reconnect = {'t': None, 's': None, 'op': 7, 'd': None}
invalid = {'t': None, 's': None, 'op': 9, 'd': False}
scripts = [
    ([hello] + small[1:6] + [ack], b'\x0f\xa0'),
    ([hello_fast, ack] + small[2:4] + [beat, ack], None),
    ([hello_fast] + small[1:3] + [reconnect], b'\x0f\xa0'),
    ([hello] + small[1:2] + [invalid], b'\x03\xe8'),
    ([hello_fast], None),
]
gw = []
for index, (encoding, compression) in enumerate(SETUPS):
    for n, (payloads, close) in enumerate(scripts):
        stream = gateway_stream(encoding, compression, payloads, close)
        size, step = [(256, 10), (31, 200), (256, 255), (7, 0), (256, 251)][n]
        gw.append(stream + tail([[index]] + chunk_decisions(len(stream), size, [step])))
write('gateway-connection', [b for b in gw if len(b) <= 8192])

# ---- gateway-proxy: one bot's connection through the proxy, per setup, after the bot's request and the upstream's 101.
# Decisions: setup, flags (small limits 1, frame reports 2, upstream ends first 4), then per step its clock byte and
# action (a read: 0 the bot's leg, 1 the upstream leg, then its size; 0xF0 + n: fault n, see GatewayProxyFuzzer).
PROXY_SETUPS = [('json', 'none'), ('json', 'zlib-stream'), ('json', 'zstd-stream'),
                ('etf', 'none'), ('etf', 'zlib-stream'), ('etf', 'zstd-stream')]
def client_frame(opcode, payload, fin=True, key=b'\x37\xfa\x21\x3d'):
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126: head += bytes([0x80 | n])
    elif n < 65536: head += bytes([0x80 | 126]) + struct.pack('>H', n)
    else: head += bytes([0x80 | 127]) + struct.pack('>Q', n)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))
identify = {'op': 2, 'd': {'token': 'Bot seed-token', 'intents': 513, 'properties': {'os': 'linux', 'browser': 'seed', 'device': 'seed'}}}
heartbeat = {'op': 1, 'd': 1}
def proxy_seed(index, steps, flags=0):
    encoding, compression = PROXY_SETUPS[index]
    enc = mc.etf_encode if encoding == 'etf' else mc.json_encode
    zc = zlib.compressobj() if compression == 'zlib-stream' else None
    sc = zstandard.ZstdCompressor().compressobj() if compression == 'zstd-stream' else None
    def upstream_message(m):
        raw = m if isinstance(m, bytes) else enc(m)
        if zc: return mc.ws_frame(0x2, zc.compress(raw) + zc.flush(zlib.Z_SYNC_FLUSH))
        if sc: return mc.ws_frame(0x2, sc.compress(raw) + sc.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK))
        return mc.ws_frame(0x2 if encoding == 'etf' else 0x1, raw)
    def bot_message(m):
        return client_frame(0x2 if encoding == 'etf' else 0x1, enc(m))
    payload, decisions = b'', [[index], [flags]]
    for step in steps:
        kind, clock = step[0], step[2] if len(step) > 2 else 10
        if kind == 'fault':
            decisions.append([clock, 0xF0 + step[1]])
            continue
        data = b''.join(upstream_message(m) if kind == 'up' else bot_message(m) for m in step[1]) if isinstance(step[1], list) else step[1]
        for at in range(0, len(data), 256):
            chunk = data[at:at + 256]
            payload += chunk
            decisions.append([clock if at == 0 else 0, 0 if kind == 'bot' else 1, len(chunk) - 1])
    return payload + tail(decisions)
ready, dispatches = msgs[1], [m for m in small if m['op'] == 0][1:5]
close_1000, close_4000 = b'\x03\xe8', b'\x0f\xa0'
px = []
for index, (encoding, compression) in enumerate(PROXY_SETUPS):
    px.append(proxy_seed(index, [
        ('up', [hello]), ('bot', [identify]), ('up', [ready] + dispatches[:2]), ('bot', [heartbeat], 200),
        ('up', [ack]), ('bot', client_frame(0x8, close_1000)), ('up', mc.ws_frame(0x8, close_1000))]))
    px.append(proxy_seed(index, [
        ('up', [hello, ready]), ('bot', [identify]), ('up', dispatches[2:4]),
        ('up', mc.ws_frame(0x8, close_4000 + b'timed out')), ('bot', client_frame(0x8, close_4000))]))
    px.append(proxy_seed(index, [
        ('up', [hello]), ('fault', 10), ('up', [ready] + dispatches[:1]), ('fault', 0), ('up', dispatches[1:2], 50),
        ('fault', 13, 120), ('up', dispatches[2:3]), ('fault', 6)]))
    px.append(proxy_seed(index, [
        ('up', [hello, ready]), ('fault', 7), ('bot', [heartbeat]), ('up', [ack]), ('fault', 11), ('up', dispatches[:1]),
        ('fault', 3), ('bot', client_frame(0x8, close_4000)), ('up', mc.ws_frame(0x8, close_4000), 255)]))
    # Small limits and frame reports: fragments and pings on both legs, then a bot frame over the limit.
    px.append(proxy_seed(index, [
        ('up', mc.ws_frame(0x9, b'up')), ('up', [heartbeat]),
        ('bot', client_frame(0x9, b'bot') + client_frame(0x1 if encoding == 'json' else 0x2, enc(heartbeat)[:3], fin=False)
         + client_frame(0x0, enc(heartbeat)[3:])),
        ('bot', client_frame(0x2, b'x' * 210))], flags=3))
    # A payload neither side can decode, and a close timeout.
    px.append(proxy_seed(index, [('up', [hello]), ('bot', client_frame(0x1, b'{"op":')), ('fault', 13, 255)]))
    px.append(proxy_seed(index, [('up', [hello]), ('up', [b'\x83junk' if encoding == 'etf' else b'[1,2']), ('fault', 13, 255)], flags=4))
    if encoding == 'etf':
        # A COMPRESSED term (tag 80), as erlpack may send it.
        term = mc.etf_encode(dispatches[0])[1:]
        px.append(proxy_seed(index, [('up', [hello]), ('up', [b'\x83P' + struct.pack('>I', len(term)) + zlib.compress(term)])]))
    if compression == 'none' and encoding == 'json':
        # Payload compression: READY as one zlib stream in a binary message.
        px.append(proxy_seed(index, [('up', [hello]), ('up', mc.ws_frame(0x2, zlib.compress(mc.json_encode(ready)))), ('up', [ack])]))
write('gateway-proxy', [b for b in px if len(b) <= 8192])
