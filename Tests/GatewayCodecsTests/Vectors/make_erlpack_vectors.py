#!/usr/bin/env python3
"""Generates ETFErlpackVectors.swift: what Discord's erlpack (PyPI `erlpack`) packs
for the payloads a gateway client sends, and for edge values.

Each vector pairs erlpack.pack(value) with the same value as a Swift
GatewayValue literal, so tests check both directions: our encoder must produce
exactly these bytes, and our decoder must read them back to the literal.
`realisticDispatch` also keeps its JSON text: the GatewayValue literal is what
Python's json module (which keeps key order) reads from it.

Run from this folder: python3 make_erlpack_vectors.py > ETFErlpackVectors.swift
"""
import json
import sys

import erlpack

TOKEN = "my_token"

VECTORS = [
    ("heartbeat", {"op": 1, "d": 251}),
    ("heartbeatNull", {"op": 1, "d": None}),
    ("heartbeatWideSequence", {"op": 1, "d": 4294967296}),
    ("identify", {"op": 2, "d": {
        "token": TOKEN,
        "intents": 513,
        "properties": {"os": "linux", "browser": "swift-discord-gateway", "device": "swift-discord-gateway"},
        "compress": False,
        "large_threshold": 250,
        "shard": [0, 1],
        "presence": {"since": None, "activities": [{"name": "ETF", "type": 0}], "status": "online", "afk": False},
    }}),
    ("presenceUpdate", {"op": 3, "d": {
        "since": 91879201,
        "activities": [{"name": "h\u00e9llo \U0001F600", "type": 4, "state": "\u4e2d\u6587"}],
        "status": "dnd",
        "afk": True,
    }}),
    ("voiceStateUpdate", {"op": 4, "d": {
        "guild_id": "41771983423143937", "channel_id": None, "self_mute": False, "self_deaf": False}}),
    ("resume", {"op": 6, "d": {"token": TOKEN, "session_id": "d0a8ec64c4b6b8d2c6a3a2b1", "seq": 1337}}),
    ("requestGuildMembers", {"op": 8, "d": {
        "guild_id": 41771983444115456, "query": "", "limit": 0, "presences": False,
        "user_ids": [80351110224678912, 175928847299117063, 18446744073709551615], "nonce": "abc"}}),
    ("requestSoundboardSounds", {"op": 31, "d": {"guild_ids": [613425648685547541, 81384788765712384]}}),
    ("edgeIntegers", [0, 1, 255, 256, -1, -255, -256, 2**31 - 1, -2**31, 2**31, -2**31 - 1,
                      2**32, 2**40, -2**40, 2**63 - 1, -2**63, 2**63, 2**64 - 1]),
    ("floats", [0.0, -0.0, 1.5, 0.1, -2.5, 1e300, 5e-324, 1.7976931348623157e308]),
    ("empties", {"a": [], "b": {}, "c": "", "d": [[]], "e": [{}]}),
    ("unicodeKeys", {"\u043a\u043b\u044e\u0447": "\u0437\u043d\u0430\u0447\u0435\u043d\u0438\u0435",
                     "emoji": "\U0001F600", "quote\"back\\slash": "\n\t\u0000"}),
]

REALISTIC_JSON = """{"op":0,"s":42,"t":"MESSAGE_CREATE","d":{"type":0,"tts":false,\
"timestamp":"2024-01-01T00:00:00.000000+00:00","pinned":false,"nonce":null,\
"mentions":[{"username":"Nelly","id":"80351110224678912","bot":true,"avatar":null}],\
"mention_roles":[],"mention_everyone":false,"member":{"roles":["41771983423143936"],\
"nick":null,"joined_at":"2015-04-26T06:26:56.936000+00:00","deaf":false,"mute":false},\
"id":"1177310745958629427","flags":0,"embeds":[],"edited_timestamp":null,\
"content":"h\\u00e9llo \\ud83d\\ude00 \\"quoted\\"","components":[],"channel_id":"1177310745958629400",\
"author":{"username":"Wumpus","public_flags":64,"id":"80351110224678913","global_name":"W",\
"discriminator":"0","avatar":"a_1234"},"attachments":[],"guild_id":"41771983423143937",\
"score":0.25,"big":12345678901234567890,"negative":-42,"nested":[[1,2],[3,[4,[5]]]]}}"""


def swift_string(text):
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == '\\':
            out.append('\\\\')
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        else:
            out.append('\\u{%X}' % code)
    out.append('"')
    return ''.join(out)


def swift_value(value, indent):
    pad = "    " * indent
    if value is None:
        return ".null"
    if isinstance(value, bool):
        return ".bool(%s)" % ("true" if value else "false")
    if isinstance(value, int):
        if -2**63 <= value < 2**63:
            return ".integer(%d)" % value
        if 0 <= value < 2**64:
            return ".unsignedInteger(%d)" % value
        return ".bigInteger(\"%d\")" % value
    if isinstance(value, float):
        return ".double(%s)" % ("-0.0" if str(value) == "-0.0" else value.hex())
    if isinstance(value, str):
        return ".string(%s)" % swift_string(value)
    if isinstance(value, list):
        if not value:
            return ".array([])"
        items = ",\n".join(pad + "    " + swift_value(v, indent + 1) for v in value)
        return ".array([\n%s,\n%s])" % (items, pad)
    if isinstance(value, dict):
        if not value:
            return ".object([:])"
        items = ",\n".join("%s    %s: %s" % (pad, swift_string(k), swift_value(v, indent + 1)) for k, v in value.items())
        return ".object([\n%s,\n%s])" % (items, pad)
    raise TypeError(type(value))


def emit(name, value):
    packed = erlpack.pack(value).hex()
    print("    /// erlpack.pack(...) of `%s`." % name)
    print("    static let %sBytes: [UInt8] = hex(\n        \"%s\")" % (name, packed))
    print("    static let %sValue: GatewayValue = %s" % (name, swift_value(value, 1)))
    print()


def main():
    print("// Generated by make_erlpack_vectors.py with erlpack %s: do not edit." % erlpack_version())
    print("@testable import GatewayCodecs")
    print()
    print("enum ETFErlpackVectors {")
    for name, value in VECTORS:
        emit(name, value)
    print("    /// A MESSAGE_CREATE dispatch as JSON; `realisticDispatchValue` is json.loads of it.")
    print("    static let realisticDispatchJSON = %s" % swift_string(REALISTIC_JSON))
    emit("realisticDispatch", json.loads(REALISTIC_JSON))
    print("    /// Every (bytes, value) pair above.")
    print("    static let all: [(name: String, bytes: [UInt8], value: GatewayValue)] = [")
    for name, _ in VECTORS + [("realisticDispatch", None)]:
        print("        (%s, %sBytes, %sValue)," % (swift_string(name), name, name))
    print("    ]")
    print("}")


def erlpack_version():
    from importlib.metadata import version
    return version("erlpack")


if __name__ == "__main__":
    sys.exit(main())
