#!/usr/bin/env python3
"""A scripted Discord gateway that misbehaves on purpose.

    python3 Scripts/hostile_gateway.py --case NAME [--port 0] [--tls self-signed|expired|wrong-host]

Listens on 127.0.0.1, prints `listening PORT` as its first line of standard
output, and serves every connection with the same misbehaviour (so reconnects
see it again) until killed. Standard library only: raw sockets, its own minimal
WebSocket framing, zlib, and libzstd.so.1 through ctypes for zstd-stream. It
shares no code with the project's Swift server, on purpose: it is the second
opinion that the client's error handling is checked against.

The client's upgrade query chooses the transport compression: compress=zlib-stream
(one zlib stream, each message flushed with Z_SYNC_FLUSH, binary frames),
compress=zstd-stream (one zstd stream, each message flushed, binary frames) or
none (text frames). The `tls-*` cases serve `healthy` over TLS with the named
certificate from Scripts/hostile-certs/; --tls does the same for any case.
Scripts/check-hostile.py runs gatewayctl against every case.
"""

import argparse
import base64
import ctypes
import ctypes.util
import hashlib
import json
import os
import select
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
import zlib

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CERT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile-certs")

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

BOMB_BYTES = 100 * 1024 * 1024  # what the bombs inflate to
FLOOD_FRAGMENTS = 200_000
PING_FLOOD_SECONDS = 3.0


def log(*parts):
    print("hostile_gateway:", *parts, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- compression

class Zstd:
    """The few libzstd streaming calls the server needs, through ctypes."""

    class Buffer(ctypes.Structure):  # ZSTD_inBuffer and ZSTD_outBuffer have the same layout
        _fields_ = [("ptr", ctypes.c_void_p), ("size", ctypes.c_size_t), ("pos", ctypes.c_size_t)]

    E_CONTINUE, E_FLUSH, E_END = 0, 1, 2
    C_COMPRESSION_LEVEL = 100

    _lib = None

    @classmethod
    def lib(cls):
        if cls._lib is None:
            name = ctypes.util.find_library("zstd") or "libzstd.so.1"
            try:
                lib = ctypes.CDLL(name)
            except OSError:
                lib = ctypes.CDLL("libzstd.so.1")
            lib.ZSTD_createCCtx.restype = ctypes.c_void_p
            lib.ZSTD_freeCCtx.argtypes = [ctypes.c_void_p]
            lib.ZSTD_CCtx_setParameter.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
            lib.ZSTD_CCtx_setParameter.restype = ctypes.c_size_t
            lib.ZSTD_compressStream2.argtypes = [ctypes.c_void_p, ctypes.POINTER(cls.Buffer),
                                                 ctypes.POINTER(cls.Buffer), ctypes.c_int]
            lib.ZSTD_compressStream2.restype = ctypes.c_size_t
            lib.ZSTD_isError.argtypes = [ctypes.c_size_t]
            lib.ZSTD_isError.restype = ctypes.c_uint
            lib.ZSTD_getErrorName.argtypes = [ctypes.c_size_t]
            lib.ZSTD_getErrorName.restype = ctypes.c_char_p
            cls._lib = lib
        return cls._lib

    def __init__(self, level=3):
        lib = self.lib()
        self.cctx = lib.ZSTD_createCCtx()
        if not self.cctx:
            raise RuntimeError("ZSTD_createCCtx failed")
        self._check(lib.ZSTD_CCtx_setParameter(self.cctx, self.C_COMPRESSION_LEVEL, level))
        self.out = ctypes.create_string_buffer(1 << 17)

    def _check(self, code):
        if self.lib().ZSTD_isError(code):
            raise RuntimeError("zstd: " + self.lib().ZSTD_getErrorName(code).decode())
        return code

    def compress(self, data, flush=True):
        """Compresses `data` into the stream; with `flush`, ends it at a block boundary."""
        lib = self.lib()
        src = ctypes.create_string_buffer(bytes(data), len(data))
        inb = self.Buffer(ctypes.cast(src, ctypes.c_void_p), len(data), 0)
        chunks = []
        while True:
            outb = self.Buffer(ctypes.cast(self.out, ctypes.c_void_p), len(self.out), 0)
            directive = self.E_FLUSH if flush else self.E_CONTINUE
            remaining = self._check(lib.ZSTD_compressStream2(self.cctx, ctypes.byref(outb),
                                                             ctypes.byref(inb), directive))
            chunks.append(self.out.raw[:outb.pos])
            if inb.pos == inb.size and (not flush or remaining == 0):
                return b"".join(chunks)

    def __del__(self):
        if getattr(self, "cctx", None) and self._lib is not None:
            self._lib.ZSTD_freeCCtx(self.cctx)
            self.cctx = None


class Codec:
    """One connection's transport compression: every message goes through `encode`."""

    def __init__(self, compress):
        self.compress = compress
        if compress == "zlib-stream":
            self.z = zlib.compressobj()
        elif compress == "zstd-stream":
            self.z = Zstd()
        else:
            self.z = None

    @property
    def opcode(self):
        return OP_TEXT if self.z is None else OP_BINARY

    def encode(self, data):
        if self.compress == "zlib-stream":
            return self.z.compress(data) + self.z.flush(zlib.Z_SYNC_FLUSH)
        if self.compress == "zstd-stream":
            return self.z.compress(data, flush=True)
        return data


def payload(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


HELLO = {"op": 10, "d": {"heartbeat_interval": 41250}}


def bomb_chunks():
    """The bomb's payload in pieces: a dispatch whose d is a string of spaces, BOMB_BYTES in all."""
    head = b'{"op":0,"s":1,"t":"BOMB","d":"'
    tail = b'"}'
    spaces = BOMB_BYTES - len(head) - len(tail)
    yield head
    block = b" " * (1 << 20)
    while spaces > 0:
        n = min(spaces, len(block))
        yield block[:n]
        spaces -= n
    yield tail


def make_bomb(compress):
    """(HELLO, bomb): the first two messages of a connection's stream, made once and cached.

    Both streams are deterministic, so every connection can be sent the same
    bytes: a fresh stream that carried this HELLO and then this bomb.
    """
    hello = payload(HELLO)
    if compress == "zlib-stream":
        z = zlib.compressobj(9)
        first = z.compress(hello) + z.flush(zlib.Z_SYNC_FLUSH)
        parts = [z.compress(chunk) for chunk in bomb_chunks()]
        parts.append(z.flush(zlib.Z_SYNC_FLUSH))
    else:
        z = Zstd(level=3)
        first = z.compress(hello, flush=True)
        parts = [z.compress(chunk, flush=False) for chunk in bomb_chunks()]
        parts.append(z.compress(b"", flush=True))
    return first, b"".join(parts)


# ---------------------------------------------------------------- framing

def frame(opcode, data=b"", fin=True, rsv=0, mask=None, length=None):
    """A WebSocket frame. `rsv` is the RSV1..3 bits (0x70 mask), `mask` a 4-byte key,
    `length` a lie about the payload length (the header only claims it)."""
    n = len(data) if length is None else length
    b0 = (0x80 if fin else 0) | (rsv & 0x70) | opcode
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b0, mbit | n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if mask:
        data = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
        head += mask
    return head + data


class PeerGone(Exception):
    pass


class Conn:
    def __init__(self, sock, port):
        self.sock = sock
        self.port = port
        self.buf = b""
        self.codec = Codec(None)
        self.seq = 0

    # -- raw bytes
    def recv_some(self):
        try:
            data = self.sock.recv(65536)
        except (ConnectionError, ssl.SSLError, OSError) as e:
            raise PeerGone(str(e))
        if not data:
            raise PeerGone("eof")
        return data

    def read_exact(self, n):
        while len(self.buf) < n:
            self.buf += self.recv_some()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (ConnectionError, ssl.SSLError, OSError) as e:
            raise PeerGone(str(e))

    def drain_raw(self):
        """Reads and ignores everything until the peer goes away; never answers."""
        self.buf = b""
        while True:
            self.recv_some()

    # -- HTTP
    def read_request(self):
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise PeerGone("request head too long")
            self.buf += self.recv_some()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        target = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "/"
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
        compress = query.get("compress", [None])[0]
        self.codec = Codec(compress if compress in ("zlib-stream", "zstd-stream") else None)
        self.key = headers.get("sec-websocket-key", "")
        return target, headers

    def accept_value(self):
        return base64.b64encode(hashlib.sha1(self.key.encode() + GUID).digest()).decode()

    def response_101(self, accept=None, upgrade=True, connection=True):
        lines = ["HTTP/1.1 101 Switching Protocols"]
        if upgrade:
            lines.append("Upgrade: websocket")
        if connection:
            lines.append("Connection: Upgrade")
        lines.append("Sec-WebSocket-Accept: " + (accept or self.accept_value()))
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    # -- WebSocket
    def send_frame(self, opcode, data=b"", **kw):
        self.send(frame(opcode, data, **kw))

    def message(self, obj_or_bytes):
        """The frame carrying one gateway message through the connection's compression."""
        data = obj_or_bytes if isinstance(obj_or_bytes, bytes) else payload(obj_or_bytes)
        return frame(self.codec.opcode, self.codec.encode(data))

    def send_message(self, obj):
        self.send(self.message(obj))

    def read_frame(self):
        b0, b1 = self.read_exact(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.read_exact(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.read_exact(8))[0]
        if n > 16 << 20:
            raise PeerGone("client frame of %d bytes" % n)
        mask = self.read_exact(4) if b1 & 0x80 else None
        data = self.read_exact(n)
        if mask:
            data = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
        return bool(b0 & 0x80), b0 & 0x0F, data

    def read_message(self):
        """The next client message as (opcode, data); answers pings; control frames pass through."""
        parts, first = [], None
        while True:
            fin, op, data = self.read_frame()
            if op == OP_PING:
                self.send_frame(OP_PONG, data)
                continue
            if op >= 0x8:
                return op, data
            if op != OP_CONT:
                first, parts = op, []
            parts.append(data)
            if fin:
                return first, b"".join(parts)

    def close_after_echo(self, data):
        try:
            self.send_frame(OP_CLOSE, data)
        except PeerGone:
            pass
        raise PeerGone("closed by the client")

    def drain(self):
        """Reads client frames and answers nothing but a close (echoed, then TCP closed)."""
        while True:
            op, data = self.read_message()
            if op == OP_CLOSE:
                self.close_after_echo(data)

    def serve_healthy(self):
        """A well-behaved gateway from here on: READY for IDENTIFY, ACK for heartbeats."""
        while True:
            op, data = self.read_message()
            if op == OP_CLOSE:
                self.close_after_echo(data)
            if op not in (OP_TEXT, OP_BINARY):
                continue
            try:
                msg = json.loads(data)
            except ValueError:
                continue
            gop = msg.get("op") if isinstance(msg, dict) else None
            if gop == 1:
                self.send_message({"op": 11})
            elif gop == 2:
                self.seq += 1
                self.send_message({"op": 0, "s": self.seq, "t": "READY", "d": {
                    "v": 10, "session_id": "abc",
                    "resume_gateway_url": "ws://127.0.0.1:%d" % self.port,
                    "user": {"id": "1", "username": "bot"}, "guilds": []}})

    def rst(self):
        """Closes with a TCP reset instead of a FIN."""
        raw = self.sock
        try:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        raw.close()


# ---------------------------------------------------------------- cases

CACHE = {}


def upgrade(c):
    c.read_request()
    c.send(c.response_101())


def case_no_answer(c):
    c.drain_raw()


def case_slow_drip(c):
    c.read_request()
    for byte in c.response_101():
        c.send(bytes([byte]))
        time.sleep(0.5)
    c.send_message(HELLO)
    c.serve_healthy()


def case_silent_after_101(c):
    upgrade(c)
    c.drain_raw()


def case_hangup_before_answer(c):
    c.read_request()  # then FIN, without a byte of answer


def case_hangup_after_101(c):
    upgrade(c)  # then FIN, without HELLO or a close frame


def case_undecodable_then_silent(c):
    # A text message that is not JSON (use with compress none), then no answer to the close
    # the client sends about it.
    upgrade(c)
    c.send(frame(OP_TEXT, b"{"))
    c.drain_raw()


def case_wrong_accept(c):
    c.read_request()
    wrong = base64.b64encode(hashlib.sha1(c.key.encode()).digest()).decode()  # no GUID
    c.send(c.response_101(accept=wrong) + c.message(HELLO))
    c.drain()


def case_missing_upgrade_header(c):
    c.read_request()
    c.send(c.response_101(upgrade=False) + c.message(HELLO))
    c.drain()


def case_missing_connection_header(c):
    c.read_request()
    c.send(c.response_101(connection=False) + c.message(HELLO))
    c.drain()


def case_500_truncated(c):
    c.read_request()
    body = b"Internal Server Err."  # 20 of the 1000 bytes announced
    c.send(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
           b"Content-Length: 1000\r\n\r\n" + body)
    time.sleep(0.1)


def case_garbage_after_101(c):
    c.read_request()
    c.send(c.response_101() + b"this is not a websocket frame\r\n")
    c.drain_raw()


def hello_then(c, bad):
    """HELLO, then the frame `bad(c)` makes (after HELLO, so it sees the stream's state)."""
    upgrade(c)
    hello = c.message(HELLO)
    c.send(hello + bad(c))
    c.drain()


def case_reserved_bits(c):
    hello_then(c, lambda c: frame(OP_TEXT, b'{"op":11}', rsv=0x60))  # RSV1|RSV2


def case_masked_frame(c):
    hello_then(c, lambda c: frame(c.codec.opcode, c.codec.encode(payload({"op": 11})), mask=b"\x1f\x2e\x3d\x4c"))


def case_oversized_control(c):
    hello_then(c, lambda c: frame(OP_PING, b"p" * 200))  # 126 length form; control frames allow 125


def stream_zeros(c, limit):
    block = b"\0" * 65536
    sent = 0
    while sent < limit:
        c.send(block)
        sent += len(block)


def case_length_2_63(c):
    upgrade(c)
    # 2^63 with the most significant bit set, which RFC 6455 forbids outright.
    c.send(c.message(HELLO) + bytes([0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0]))
    stream_zeros(c, 128 << 20)
    c.drain()


def case_length_2_40(c):
    upgrade(c)
    c.send(c.message(HELLO) + bytes([0x82, 0x7F, 0, 0, 0x01, 0, 0, 0, 0, 0]))
    stream_zeros(c, 128 << 20)
    c.drain()


def case_invalid_utf8(c):
    hello_then(c, lambda c: frame(OP_TEXT, b"\xff\xfe"))


def case_close_1005(c):
    hello_then(c, lambda c: frame(OP_CLOSE, struct.pack("!H", 1005)))


def case_reset_mid_frame(c):
    upgrade(c)
    hello = c.message(HELLO)
    whole = c.message({"op": 0, "s": 1, "t": "MESSAGE_CREATE", "d": {"content": "x" * 200}})
    c.send(hello + whole[:len(whole) // 2])
    time.sleep(0.3)
    c.rst()


def bomb(compress):
    def run(c):
        c.read_request()
        if c.codec.compress != compress:
            log("this case needs compress=%s; the client asked for %s" % (compress, c.codec.compress))
            c.drain_raw()
        hello, bomb = CACHE[compress]
        c.send(c.response_101() + frame(OP_BINARY, hello) + frame(OP_BINARY, bomb))
        c.drain()
    return run


def hello_variant(d):
    def run(c):
        upgrade(c)
        c.send_message({"op": 10, "d": d})
        c.drain()
    return run


def case_no_acks(c):
    upgrade(c)
    c.send_message({"op": 10, "d": {"heartbeat_interval": 1000}})
    c.drain()


def case_ping_flood(c):
    upgrade(c)
    c.send_message(HELLO)
    pings = b"".join(frame(OP_PING, struct.pack("!Q", i)) for i in range(1000))
    sock = c.sock
    deadline = time.monotonic() + PING_FLOOD_SECONDS
    sent_pings = 0
    # Never reads during the flood. Writes go out whole batches, so the stream
    # stays well framed when the flood stops.
    while time.monotonic() < deadline:
        view = memoryview(pings)
        while view:
            _, writable, _ = select.select([], [sock], [], max(0.05, deadline - time.monotonic()))
            if not writable:
                if time.monotonic() > deadline + 5:
                    raise PeerGone("ping flood: the client stopped reading")
                continue
            try:
                n = sock.send(view)
            except (ConnectionError, OSError) as e:
                raise PeerGone(str(e))
            view = view[n:]
        sent_pings += 1000
    log("ping-flood: sent %d pings" % sent_pings)
    c.serve_healthy()


def case_tiny_frame_flood(c):
    upgrade(c)
    c.send_message(HELLO)
    if c.codec.z is None:
        # Exactly FLOOD_FRAGMENTS bytes of JSON, one byte a frame.
        head, tail = b'{"op":0,"s":1,"t":"FLOOD","d":"', b'"}'
        data = head + b"a" * (FLOOD_FRAGMENTS - len(head) - len(tail)) + tail
    else:
        # Compressed: hard-to-compress text, so the stream's bytes are about
        # FLOOD_FRAGMENTS frames of one byte.
        filler = base64.b64encode(hashlib.shake_256(b"flood").digest(FLOOD_FRAGMENTS)).decode()
        data = payload({"op": 0, "s": 1, "t": "FLOOD", "d": filler})
        data = c.codec.encode(data)
    c.seq = 1
    first = c.codec.opcode
    batch = []
    for i in range(len(data)):
        op = first if i == 0 else OP_CONT
        batch.append(frame(op, data[i:i + 1], fin=(i == len(data) - 1)))
        if len(batch) == 4096:
            c.send(b"".join(batch))
            batch = []
    c.send(b"".join(batch))
    log("tiny-frame-flood: one message in %d frames" % len(data))
    c.serve_healthy()


def case_healthy(c):
    upgrade(c)
    c.send_message(HELLO)
    c.serve_healthy()


CASES = {
    "no-answer": case_no_answer,
    "slow-drip": case_slow_drip,
    "silent-after-101": case_silent_after_101,
    "hangup-before-answer": case_hangup_before_answer,
    "hangup-after-101": case_hangup_after_101,
    "undecodable-then-silent": case_undecodable_then_silent,
    "wrong-accept": case_wrong_accept,
    "missing-upgrade-header": case_missing_upgrade_header,
    "missing-connection-header": case_missing_connection_header,
    "500-truncated": case_500_truncated,
    "garbage-after-101": case_garbage_after_101,
    "reserved-bits": case_reserved_bits,
    "masked-frame": case_masked_frame,
    "oversized-control": case_oversized_control,
    "length-2-63": case_length_2_63,
    "length-2-40": case_length_2_40,
    "invalid-utf8": case_invalid_utf8,
    "close-1005": case_close_1005,
    "reset-mid-frame": case_reset_mid_frame,
    "zlib-bomb": bomb("zlib-stream"),
    "zstd-bomb": bomb("zstd-stream"),
    "hello-no-interval": hello_variant({}),
    "hello-zero-interval": hello_variant({"heartbeat_interval": 0}),
    "hello-negative-interval": hello_variant({"heartbeat_interval": -1000}),
    "no-acks": case_no_acks,
    "ping-flood": case_ping_flood,
    "tiny-frame-flood": case_tiny_frame_flood,
    "healthy": case_healthy,
    "tls-self-signed": case_healthy,
    "tls-expired": case_healthy,
    "tls-wrong-host": case_healthy,
}

TLS_CERTS = ("self-signed", "expired", "wrong-host")


# ---------------------------------------------------------------- server

def handle(sock, case, port, tls):
    try:
        if tls is not None:
            try:
                sock = tls.wrap_socket(sock, server_side=True)
            except (ssl.SSLError, OSError) as e:
                log("TLS handshake failed (as a strict client should make it):", e)
                sock.close()
                return
        c = Conn(sock, port)
        try:
            CASES[case](c)
        except PeerGone:
            pass
        except Exception as e:  # the server must outlive any one connection
            log("connection error:", type(e).__name__, e)
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    parser = argparse.ArgumentParser(description="A Discord gateway that misbehaves on purpose.")
    parser.add_argument("--case", required=True, choices=sorted(CASES))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls", choices=TLS_CERTS)
    args = parser.parse_args()

    cert = args.tls or (args.case[len("tls-"):] if args.case.startswith("tls-") else None)
    tls = None
    if cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(os.path.join(CERT_DIR, cert + ".pem"), os.path.join(CERT_DIR, cert + ".key"))

    if args.case == "zlib-bomb":
        CACHE["zlib-stream"] = make_bomb("zlib-stream")
    elif args.case == "zstd-bomb":
        CACHE["zstd-stream"] = make_bomb("zstd-stream")
    for name, (hello, bomb) in CACHE.items():
        log("%s: %d compressed bytes inflate to %d" % (name, len(bomb), BOMB_BYTES))

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(16)
    port = listener.getsockname()[1]
    print("listening %d" % port, flush=True)
    while True:
        sock, _ = listener.accept()
        threading.Thread(target=handle, args=(sock, args.case, port, tls), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
