#!/usr/bin/env python3
"""A minimal Discord gateway on loopback, for running the README's socket-loop example.

Standard library only. Serves one connection: the WebSocket upgrade, HELLO
(a short heartbeat interval so heartbeats really happen), checks IDENTIFY,
answers heartbeats with ACKs for a while, sends READY and a few
MESSAGE_CREATEs over zlib-stream, then expects the client's close 1000 and
echoes it. Exits 0 when the client behaved, 1 otherwise, printing why.
"""
import base64
import hashlib
import json
import socket
import struct
import sys
import time
import zlib

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3


def read_exact(conn, buffer, count):
    while len(buffer) < count:
        chunk = conn.recv(65536)
        if not chunk:
            raise EOFError("client closed the socket")
        buffer.extend(chunk)
    data = bytes(buffer[:count])
    del buffer[:count]
    return data


def read_frame(conn, buffer):
    head = read_exact(conn, buffer, 2)
    opcode = head[0] & 0x0F
    if not head[1] & 0x80:
        raise ValueError("client frame not masked")
    length = head[1] & 0x7F
    if length == 126:
        length = struct.unpack("!H", read_exact(conn, buffer, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", read_exact(conn, buffer, 8))[0]
    mask = read_exact(conn, buffer, 4)
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(read_exact(conn, buffer, length)))
    return opcode, payload


def frame(opcode, payload):
    if len(payload) < 126:
        header = struct.pack("!BB", 0x80 | opcode, len(payload))
    elif len(payload) < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 126, len(payload))
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, len(payload))
    return header + payload


def main():
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    print(listener.getsockname()[1], flush=True)
    listener.settimeout(60)
    conn, _ = listener.accept()
    conn.settimeout(10)
    buffer = bytearray()
    while b"\r\n\r\n" not in buffer:
        buffer.extend(conn.recv(65536))
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    buffer = bytearray(rest)
    lines = head.decode().split("\r\n")
    target = lines[0].split(" ")[1]
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    if "compress=zlib-stream" not in target or "v=10" not in target:
        return fail(f"unexpected request target {target}")
    accept = base64.b64encode(hashlib.sha1(headers["sec-websocket-key"].encode() + GUID).digest()).decode()
    conn.sendall(
        f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode())
    deflate = zlib.compressobj()

    def send(payload):
        data = deflate.compress(json.dumps(payload).encode()) + deflate.flush(zlib.Z_SYNC_FLUSH)
        conn.sendall(frame(2, data))

    send({"op": 10, "d": {"heartbeat_interval": 400}, "s": None, "t": None})
    opcode, payload = read_frame(conn, buffer)
    identify = json.loads(payload)
    if identify.get("op") != 2 or identify["d"].get("token") != "Bot example-token":
        return fail(f"expected IDENTIFY with the token, got {payload[:80]!r}")
    heartbeats = 0
    deadline = time.monotonic() + 1.5
    conn.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            opcode, payload = read_frame(conn, buffer)
        except socket.timeout:
            continue
        if json.loads(payload).get("op") == 1:
            heartbeats += 1
            send({"op": 11, "d": None, "s": None, "t": None})
    conn.settimeout(10)
    if heartbeats < 2:
        return fail(f"only {heartbeats} heartbeats in 1.5 s at a 400 ms interval")
    send({"op": 0, "s": 1, "t": "READY", "d": {"session_id": "s", "resume_gateway_url": "ws://127.0.0.1:1", "user": {"id": "1"}}})
    for sequence in range(2, events + 1):
        send({"op": 0, "s": sequence, "t": "MESSAGE_CREATE", "d": {"content": f"message {sequence}"}})
    while True:
        opcode, payload = read_frame(conn, buffer)
        if opcode == 8:
            break
    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
    if code != 1000:
        return fail(f"expected close 1000, got {code}")
    conn.sendall(frame(8, struct.pack("!H", 1000)))
    conn.close()
    print(f"ok: identify, {heartbeats} heartbeats acknowledged, {events} dispatches, close 1000", file=sys.stderr)
    return 0


def fail(message):
    print(f"fake gateway: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
