#!/usr/bin/env python3
"""A real discord.py bot, pointed at a mock gateway (`gatewayctl serve`) on loopback.

    python discordpy_bot.py --base http://127.0.0.1:PORT [--token TOKEN]
        [--seconds N] [--intents N] [--gateway ws://...] [--compress MODE]
        [--sharded] [--guild-ready-timeout S] [--presence-burst N] [--log-level LEVEL]

Run it with the interpreter of the virtual environment that
Scripts/install-discordpy.sh makes (discord.py 2.7.1 and zstandard from PyPI,
unmodified). discord.py has no setting for where Discord is, so this script
sets the module-level bases it builds URLs from, and nothing else:

  discord.http.Route.BASE = BASE + "/api/v10"
      Every REST call is Route.BASE + path. At login discord.py calls
      GET /users/@me (static_login; a 401 there is LoginFailure) and
      GET /oauth2/applications/@me (Client.login -> application_info);
      with --sharded, AutoShardedClient also calls GET /gateway/bot for the
      shard count and the URL of its first connection.
  discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(GATEWAY)
      A plain discord.Client never asks REST where the gateway is: it opens
      DEFAULT_GATEWAY (wss://gateway.discord.gg/) for its first IDENTIFY, and
      an INVALID_SESSION false resets the socket's gateway to it. RESUMEs go to
      READY's resume_gateway_url, which the mock sends, so that is not patched.
      GATEWAY is --gateway, else the "url" of the mock's GET /api/v10/gateway.
  discord.asset.Asset.BASE = BASE
      CDN URLs (avatars, icons) are built from it. Nothing is fetched from the
      CDN at login; this only makes sure no URL the bot builds leaves loopback.
  discord.utils._ActiveDecompressionContext (only with --compress other than auto)
      discord.py picks the transport compression once, at import: zstd-stream
      when zstandard (or Python 3.14's compression.zstd) imports, otherwise
      zlib-stream. The gateway URL's compress= comes from this class, so
      setting it picks the other one; --compress none makes
      DiscordWebSocket.from_client connect without compress= (plain text frames).

The token is given to discord.py as is: it sends "Authorization: Bot TOKEN" on
REST itself and the bare TOKEN in IDENTIFY and RESUME. A leading "Bot " in
--token is dropped so that neither ends up as "Bot Bot ...".

Stdout gets one JSON object per line, in the order the bot saw things:
  {"event": "op", "op": N}                       a non-dispatch gateway message
                                                 (10 HELLO, 11 HEARTBEAT_ACK,
                                                 1 HEARTBEAT, 7 RECONNECT, and
                                                 9 INVALID_SESSION with "d")
  {"event": "dispatch", "t": T, "s": S}          every op 0 the bot received
  {"event": "send", "op": 2}                     the bot sent IDENTIFY
  {"event": "send", "op": 6, "seq": S, "session_id": ID}   ... sent RESUME
  {"event": "send", "op": N}                     ... sent something else: 1 the
                                                 heartbeat right after HELLO, 8
                                                 REQUEST_GUILD_MEMBERS (with the
                                                 GUILD_MEMBERS intent)
  {"event": "connect"}                           READY parsed (on_connect; not
                                                 on RESUMED, nor on socket open)
  {"event": "guild", "id": ID, "name": N, "channels": C, "members": M}
                                                 a GUILD_CREATE parsed (on_guild_
                                                 available / on_guild_join)
  {"event": "ready", "session_id": ID, "user_id": ID, "user": NAME, "guilds": N}
                                                 on_ready (discord.py fires it
                                                 --guild-ready-timeout seconds
                                                 after the last GUILD_CREATE)
  {"event": "message", "id": ID, "channel_id": ID, "guild_id": ID|null,
   "author_id": ID|null, "content": TEXT}        a MESSAGE_CREATE parsed
  {"event": "resumed"}                           RESUMED parsed (on_resumed)
  {"event": "disconnect"}                        the socket went away (on_disconnect:
                                                 RECONNECT, INVALID_SESSION, a
                                                 close, and the final close)
  {"event": "error", "type": NAME, "message": TEXT}   discord.py gave up
  {"event": "exit", "code": N}                   always last
Later heartbeats are not reported: discord.py's keep-alive sends them past the hook.

It exits 0 after --seconds or on SIGTERM/SIGINT, after Client.close(), and 1 if
discord.py stopped with an error first (bad token, a close code it does not
reconnect after, a payload it could not parse, ...; the traceback is on stderr).
Client.close() asks for close code 1000, but the close frame on the wire is
4000: the task reading the socket wakes up first and closes it with 4000
(with --sharded it is 1000, and no "disconnect" line comes before "exit").
discord.py's own logging goes to stderr (INFO by default: login, "has
connected to Gateway", "successfully RESUMED", "session has been invalidated",
reconnect attempts; DEBUG adds every payload, RECONNECT and the close codes).
"""
import argparse
import asyncio
import json
import logging
import signal
import sys
import urllib.request
import zlib

try:
    import discord
    import discord.asset
    import discord.gateway
    import discord.http
    import discord.utils
    import yarl
except ImportError as exc:
    sys.stderr.write(f"discordpy_bot: {exc}; run Scripts/install-discordpy.sh and use its virtual environment's python\n")
    sys.stdout.write(json.dumps({"event": "error", "type": "ImportError", "message": str(exc)}) + "\n")
    sys.stdout.write(json.dumps({"event": "exit", "code": 1}) + "\n")
    sys.exit(1)


def emit(obj):
    sys.stdout.write(json.dumps(obj, separators=(", ", ": ")) + "\n")
    sys.stdout.flush()


class ZlibStream:
    """discord.py's own zlib-stream context (it defines it only when zstd is missing)."""

    COMPRESSION_TYPE = "zlib-stream"

    def __init__(self):
        self.buffer = bytearray()
        self.context = zlib.decompressobj()

    def decompress(self, data):
        self.buffer.extend(data)
        if len(data) < 4 or data[-4:] != b"\x00\x00\xff\xff":
            return None
        msg = self.context.decompress(self.buffer)
        self.buffer = bytearray()
        return msg.decode("utf-8")


def parse_args(argv):
    parser = argparse.ArgumentParser(description="discord.py bot against a mock Discord gateway")
    parser.add_argument("--base", required=True, help="the mock's HTTP base, e.g. http://127.0.0.1:8080")
    parser.add_argument("--token", default="mock-token", help='bot token (default mock-token; a leading "Bot " is dropped)')
    parser.add_argument("--seconds", type=float, default=10.0, help="run this long, then close and exit 0 (default 10)")
    parser.add_argument("--intents", type=int, default=discord.Intents.default().value,
                        help="gateway intents (default discord.Intents.default(): %(default)s)")
    parser.add_argument("--gateway", help="ws:// URL of the gateway (default: the url of GET BASE/api/v10/gateway)")
    parser.add_argument("--compress", choices=("auto", "zstd-stream", "zlib-stream", "none"), default="auto",
                        help="transport compression to ask for (default auto: what discord.py picks)")
    parser.add_argument("--sharded", action="store_true",
                        help="run discord.AutoShardedClient (asks GET /gateway/bot) instead of discord.Client")
    parser.add_argument("--guild-ready-timeout", type=float, default=2.0,
                        help="seconds discord.py waits after the last GUILD_CREATE before on_ready (default 2)")
    parser.add_argument("--presence-burst", type=int, default=0,
                        help="at the first READY, ask for N presence changes at once (discord.py paces them)")
    parser.add_argument("--log-level", default="INFO", help="discord.py's logging level on stderr (default INFO)")
    return parser.parse_args(argv)


def discover_gateway(base):
    with urllib.request.urlopen(base + "/api/v10/gateway", timeout=10) as response:
        return json.load(response)["url"]


def patch(base, gateway, compress):
    discord.http.Route.BASE = base + "/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    discord.asset.Asset.BASE = base
    if compress == "zlib-stream":
        discord.utils._ActiveDecompressionContext = ZlibStream
    elif compress == "zstd-stream":
        if discord.utils._ZSTD_SOURCE is None:
            raise SystemExit("--compress zstd-stream needs the zstandard package (Scripts/install-discordpy.sh installs it)")
        discord.utils._ActiveDecompressionContext = discord.utils._ZstdDecompressionContext
    elif compress == "none":
        original = discord.gateway.DiscordWebSocket.from_client.__func__

        async def from_client(cls, client, **kwargs):
            kwargs["compress"] = False
            return await original(cls, client, **kwargs)

        discord.gateway.DiscordWebSocket.from_client = classmethod(from_client)


def make_client(args):
    cls = discord.AutoShardedClient if args.sharded else discord.Client
    client = cls(
        intents=discord.Intents._from_value(args.intents),
        guild_ready_timeout=args.guild_ready_timeout,
        enable_debug_events=True,  # socket_raw_receive / socket_raw_send, for "op", "dispatch" and "send"
    )
    seen = {"session_id": None}

    @client.event
    async def on_socket_raw_receive(raw):
        msg = json.loads(raw)
        if msg.get("op") == 0:
            if msg.get("t") == "READY":
                seen["session_id"] = (msg.get("d") or {}).get("session_id")
            emit({"event": "dispatch", "t": msg.get("t"), "s": msg.get("s")})
        elif msg.get("op") == 9:
            emit({"event": "op", "op": 9, "d": msg.get("d")})
        else:
            emit({"event": "op", "op": msg.get("op")})

    @client.event
    async def on_socket_raw_send(raw):
        try:
            msg = json.loads(raw)
        except ValueError:
            return
        if msg.get("op") == 2:
            emit({"event": "send", "op": 2})
        elif msg.get("op") == 6:
            d = msg.get("d") or {}
            emit({"event": "send", "op": 6, "seq": d.get("seq"), "session_id": d.get("session_id")})
        else:
            emit({"event": "send", "op": msg.get("op")})

    @client.event
    async def on_connect():
        emit({"event": "connect"})
        if args.presence_burst and not seen.get("burst"):
            seen["burst"] = True
            asyncio.get_running_loop().create_task(presence_burst(client, args.presence_burst))

    @client.event
    async def on_disconnect():
        emit({"event": "disconnect"})

    @client.event
    async def on_resumed():
        emit({"event": "resumed"})

    @client.event
    async def on_ready():
        emit({
            "event": "ready",
            "session_id": seen["session_id"],
            "user_id": str(client.user.id) if client.user else None,
            "user": client.user.name if client.user else None,
            "guilds": len(client.guilds),
        })

    def guild_line(guild):
        emit({"event": "guild", "id": str(guild.id), "name": guild.name,
              "channels": len(guild.channels), "members": len(guild.members)})

    @client.event
    async def on_guild_available(guild):
        guild_line(guild)

    @client.event
    async def on_guild_join(guild):
        guild_line(guild)

    @client.event
    async def on_message(message):
        emit({
            "event": "message",
            "id": str(message.id),
            "channel_id": str(message.channel.id),
            "guild_id": str(message.guild.id) if message.guild else None,
            "author_id": str(message.author.id) if getattr(message, "author", None) else None,
            "content": message.content,
        })

    return client


async def presence_burst(client, count):
    """`count` presence changes at once: discord.py's own gateway rate limiter must pace them."""
    try:
        await asyncio.gather(*(client.change_presence(activity=discord.Game(f"burst {i}")) for i in range(count)))
        emit({"event": "burst", "sent": count})
    except Exception as exc:  # a closed socket mid-burst: report it, the run goes on
        emit({"event": "burst", "error": type(exc).__name__, "message": str(exc)})


async def run(args):
    client = make_client(args)
    token = args.token[4:] if args.token.startswith("Bot ") else args.token
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    bot = asyncio.create_task(client.start(token, reconnect=True))
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({bot, stopper}, timeout=args.seconds, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()

    code = 0
    if bot in done:
        exc = bot.exception()
        if exc is not None:
            logging.getLogger("discordpy_bot").error("discord.py stopped", exc_info=exc)
            emit({"event": "error", "type": type(exc).__name__, "message": str(exc)})
            code = 1
    else:
        await client.close()
        try:
            await asyncio.wait_for(bot, timeout=10)
        except Exception as exc:  # closing is best effort; report, but the run itself was fine
            logging.getLogger("discordpy_bot").warning("client.start ended with %r after close", exc)
    if not client.is_closed():
        await client.close()
    return code


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(stream=sys.stderr, level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    base = args.base.rstrip("/")
    try:
        gateway = args.gateway or discover_gateway(base)
    except Exception as exc:
        emit({"event": "error", "type": type(exc).__name__, "message": f"GET {base}/api/v10/gateway: {exc}"})
        emit({"event": "exit", "code": 1})
        return 1
    patch(base, gateway, args.compress)
    try:
        code = asyncio.run(run(args))
    except Exception as exc:
        emit({"event": "error", "type": type(exc).__name__, "message": str(exc)})
        code = 1
    emit({"event": "exit", "code": code})
    return code


if __name__ == "__main__":
    sys.exit(main())
