#!/usr/bin/env python3
"""A real hikari bot, pointed at a mock gateway (`gatewayctl serve`) on loopback.

    python hikari_bot.py --base http://127.0.0.1:PORT [--token TOKEN]
        [--seconds N] [--intents N] [--compress MODE] [--log-level LEVEL]

Run it with the interpreter of the virtual environment that
Scripts/install-hikari.sh makes (hikari 2.7.0 and backports.zstd from PyPI,
unmodified). The bot is a plain hikari.GatewayBot, started with
GatewayBot.start() and stopped with GatewayBot.close(). hikari has a setting for
where the REST API is, and finds the gateway through it, so this script patches
nothing that changes how hikari talks to the server:

  GatewayBot(rest_url=BASE + "/api/v10")
      hikari's own setting ("if you are attempting to mock/stub the Discord
      API"). Every REST call goes there with "Authorization: Bot TOKEN".
      GatewayBot.start() calls GET /gateway/bot once, for the shard count (1),
      the session_start_limit (it refuses to start when remaining < shards)
      and the gateway URL. hikari does not call /users/@me or
      /oauth2/applications/@me at start.
  The gateway URL is the "url" of GET /gateway/bot; hikari adds
      ?v=10&encoding=json&compress=zstd-stream. RESUMEs go to READY's
      resume_gateway_url (hikari needs it: READY without it is a KeyError);
      after INVALID_SESSION false hikari forgets it and identifies at the
      /gateway/bot URL again.
  start(check_for_updates=False)
      Otherwise hikari asks PyPI for a newer version in the background.
  GatewayBot(banner=None, suppress_optimization_warning=True, logs=None)
      No ASCII-art banner and no "run python -O" warning; logging goes to
      stderr through this script's logging.basicConfig instead.
  GatewayShardImpl.__init__'s default compression=   (only with --compress
      other than auto) hikari picks the transport compression when
      hikari.impl.shard is imported: zstd-stream when backports.zstd (or Python
      3.14's compression.zstd) imports, otherwise zlib-stream, and makes it the
      default of GatewayShardImpl's compression= argument. GatewayBot has no
      setting for it (it never passes compression=), so --compress replaces that
      default. With none hikari sends no compress= and reads plain frames.
  hikari.urls.BASE_URL, CDN_URL, MEDIA_PROXY_URL = BASE
      Avatar, icon and message-link URLs are built from these when asked for.
      Nothing is fetched from them; this only makes sure no URL the bot builds
      leaves loopback.

Observation only: hikari has no hook for non-dispatch payloads or for what it
sends, so _GatewayTransport.receive_json and send_json (hikari.impl.shard) are
wrapped to print a line and then return what hikari's own method returned
(payloads are not changed, and the token is never printed).

The token: hikari reads the bot's id out of the token's first segment (base64
of the id; GatewayBot raises "Unexpected token format" otherwise), so --token
must look like a Discord token. The default is shaped like one for the mock's
bot user (1000000000000000001). A leading "Bot " is dropped; hikari sends
"Authorization: Bot TOKEN" on REST itself and the bare TOKEN in IDENTIFY and
RESUME.

Stdout gets one JSON object per line, in the order the bot saw things:
  {"event": "op", "op": N}                       a non-dispatch gateway message
                                                 (10 HELLO, 11 HEARTBEAT_ACK,
                                                 1 HEARTBEAT, 7 RECONNECT, and
                                                 9 INVALID_SESSION with "d")
  {"event": "dispatch", "t": T, "s": S}          every op 0 the bot received
  {"event": "send", "op": 2}                     the bot sent IDENTIFY
  {"event": "send", "op": 6, "seq": S, "session_id": ID}   ... sent RESUME
  {"event": "send", "op": N}                     ... sent something else (1 a
                                                 heartbeat: hikari sends its
                                                 first one as soon as HELLO
                                                 arrives, then one every
                                                 heartbeat_interval; 3, 8, ...)
  {"event": "ready", "session_id": ID, "user_id": ID, "user": NAME, "guilds": N,
   "resume_gateway_url": URL}                    READY parsed (ShardReadyEvent;
                                                 guilds is READY's unavailable
                                                 guild count)
  {"event": "resumed"}                           RESUMED parsed (ShardResumedEvent)
  {"event": "connected"}                         the handshake finished, after
                                                 READY or RESUMED (ShardConnectedEvent)
  {"event": "disconnect"}                        a connected socket went away
                                                 (ShardDisconnectedEvent: RECONNECT,
                                                 INVALID_SESSION, a missed
                                                 HEARTBEAT_ACK, a close, a drop,
                                                 and the final close)
  {"event": "guild", "id": ID, "name": N, "channels": C, "members": M}
                                                 a GUILD_CREATE parsed
                                                 (GuildAvailableEvent / GuildJoinEvent)
  {"event": "message", "id": ID, "channel_id": ID, "guild_id": ID|null,
   "author_id": ID, "content": TEXT}             a MESSAGE_CREATE parsed
  {"event": "dispatch_error", "type": NAME, "message": TEXT, "keys": [K...]}
                                                 hikari could not turn a dispatch
                                                 into an event (a missing or
                                                 malformed field; keys are the
                                                 dispatch's field names); hikari
                                                 logs it and carries on
  {"event": "error", "type": NAME, "message": TEXT}   hikari gave up
  {"event": "exit", "code": N}                   always last

It exits 0 after --seconds or on SIGTERM/SIGINT, after GatewayBot.close()
(the close frame on the wire is 1001, "shard disconnecting permanently"), and 1
if hikari stopped with an error first (a close code it does not reconnect
after, such as 4004 or 4001/4003/4005, which hikari treats as fatal; a bad
token; a payload it could not parse; the traceback is on stderr). hikari's own
logging goes to stderr (INFO by default: "shard is ready", "resumed session",
"received invalid session", "backing off reconnecting", close codes; DEBUG and
TRACE_HIKARI add more, TRACE_HIKARI every payload with the token redacted).
"""
import argparse
import asyncio
import json
import logging
import signal
import sys

try:
    import hikari
    import hikari.urls
    import hikari.impl.shard as hikari_shard
    from hikari.api.shard import GatewayCompression
except ImportError as exc:
    sys.stderr.write(f"hikari_bot: {exc}; run Scripts/install-hikari.sh and use its virtual environment's python\n")
    sys.stdout.write(json.dumps({"event": "error", "type": "ImportError", "message": str(exc)}) + "\n")
    sys.stdout.write(json.dumps({"event": "exit", "code": 1}) + "\n")
    sys.exit(1)

# base64("1000000000000000001") without padding: the mock's bot user id.
DEFAULT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAwMQ.hikari.mock-token"

COMPRESSION = {
    "zstd-stream": GatewayCompression.TRANSPORT_ZSTD_STREAM,
    "zlib-stream": GatewayCompression.TRANSPORT_ZLIB_STREAM,
    "none": None,
}


def emit(obj):
    sys.stdout.write(json.dumps(obj, separators=(", ", ": ")) + "\n")
    sys.stdout.flush()


def parse_args(argv):
    parser = argparse.ArgumentParser(description="hikari bot against a mock Discord gateway")
    parser.add_argument("--base", required=True, help="the mock's HTTP base, e.g. http://127.0.0.1:8080")
    parser.add_argument("--token", default=DEFAULT_TOKEN,
                        help='bot token, shaped like a Discord token (BASE64_ID.x.y; default %(default)s; '
                             'a leading "Bot " is dropped)')
    parser.add_argument("--seconds", type=float, default=10.0, help="run this long, then close and exit 0 (default 10)")
    parser.add_argument("--intents", type=int, default=int(hikari.Intents.ALL_UNPRIVILEGED),
                        help="gateway intents (default hikari.Intents.ALL_UNPRIVILEGED: %(default)s)")
    parser.add_argument("--compress", choices=("auto", "zstd-stream", "zlib-stream", "none"), default="auto",
                        help="transport compression to ask for (default auto: what hikari picks)")
    parser.add_argument("--log-level", default="INFO",
                        help="hikari's logging level on stderr (default INFO; DEBUG, TRACE_HIKARI)")
    return parser.parse_args(argv)


def patch(base, compress):
    hikari.urls.BASE_URL = base
    hikari.urls.CDN_URL = base
    hikari.urls.MEDIA_PROXY_URL = base
    if compress != "auto":
        if compress == "zstd-stream" and hikari_shard._DEFAULT_COMPRESS_TYPE != COMPRESSION["zstd-stream"]:
            raise SystemExit("--compress zstd-stream needs backports.zstd (Scripts/install-hikari.sh installs it)")
        # The default of GatewayShardImpl.__init__'s compression= (hikari picks it at import).
        defaults = hikari_shard.GatewayShardImpl.__init__.__kwdefaults__
        assert "compression" in defaults, "hikari.impl.shard.GatewayShardImpl has no compression= any more"
        defaults["compression"] = COMPRESSION[compress]

    transport = hikari_shard._GatewayTransport
    receive_json, send_json = transport.receive_json, transport.send_json

    async def observed_receive_json(self):
        msg = await receive_json(self)
        op = msg.get("op")
        if op == 0:
            emit({"event": "dispatch", "t": msg.get("t"), "s": msg.get("s")})
        elif op == 9:
            emit({"event": "op", "op": 9, "d": msg.get("d")})
        else:
            emit({"event": "op", "op": op})
        return msg

    async def observed_send_json(self, data):
        await send_json(self, data)
        op = data.get("op")
        if op == 6:
            d = data.get("d") or {}
            emit({"event": "send", "op": 6, "seq": d.get("seq"), "session_id": d.get("session_id")})
        else:
            emit({"event": "send", "op": op})

    transport.receive_json = observed_receive_json
    transport.send_json = observed_send_json


def make_bot(args, base, token):
    bot = hikari.GatewayBot(
        token,
        rest_url=base + "/api/v10",
        intents=hikari.Intents(args.intents),
        banner=None,
        suppress_optimization_warning=True,
        logs=None,
    )

    @bot.listen(hikari.ShardReadyEvent)
    async def on_ready(event):
        emit({
            "event": "ready",
            "session_id": event.session_id,
            "user_id": str(event.my_user.id),
            "user": event.my_user.username,
            "guilds": len(event.unavailable_guilds),
            "resume_gateway_url": event.resume_gateway_url,
        })

    @bot.listen(hikari.ShardResumedEvent)
    async def on_resumed(event):
        emit({"event": "resumed"})

    @bot.listen(hikari.ShardConnectedEvent)
    async def on_connected(event):
        emit({"event": "connected"})

    @bot.listen(hikari.ShardDisconnectedEvent)
    async def on_disconnect(event):
        emit({"event": "disconnect"})

    def guild_line(event):
        guild = event.guild
        emit({"event": "guild", "id": str(guild.id), "name": guild.name,
              "channels": len(event.channels), "members": len(event.members)})

    @bot.listen(hikari.GuildAvailableEvent)
    async def on_guild_available(event):
        guild_line(event)

    @bot.listen(hikari.GuildJoinEvent)
    async def on_guild_join(event):
        guild_line(event)

    @bot.listen(hikari.MessageCreateEvent)
    async def on_message(event):
        message = event.message
        emit({
            "event": "message",
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "guild_id": str(message.guild_id) if getattr(message, "guild_id", None) else None,
            "author_id": str(message.author.id),
            "content": message.content,
        })

    return bot


def exception_handler(loop, context):
    """hikari hands a dispatch it could not parse to the loop's exception handler and carries on."""
    # Anything else (such as asyncio's "Future exception was never retrieved" for a
    # close frame seen by two of hikari's tasks at once) only goes to stderr.
    if context.get("message") == "Exception occurred in raw event dispatch conduit":
        exc = context.get("exception")
        payload = context.get("payload")
        emit({"event": "dispatch_error", "type": type(exc).__name__, "message": str(exc),
              "keys": sorted(payload)[:30] if isinstance(payload, dict) else None})
    loop.default_exception_handler(context)


async def run(args, base, token):
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(exception_handler)
    bot = make_bot(args, base, token)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    deadline = loop.time() + args.seconds
    log = logging.getLogger("hikari_bot")

    async def lifetime():
        # start() returns once the shard has READY; join() until it stops for good.
        await bot.start(check_for_updates=False)
        await bot.join()

    task = asyncio.create_task(lifetime())
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({task, stopper}, timeout=max(0.0, deadline - loop.time()),
                                 return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()

    code = 0
    if task in done:
        exc = task.exception()
        if exc is not None:
            log.error("hikari stopped", exc_info=exc)
            emit({"event": "error", "type": type(exc).__name__, "message": str(exc)})
            code = 1
        else:
            emit({"event": "error", "type": "Stopped", "message": "the bot stopped before --seconds"})
            code = 1
    else:
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass
    try:
        await asyncio.wait_for(bot.close(), timeout=10)
    except hikari.ComponentStateConflictError:
        pass  # never started, or already closed
    except Exception as exc:  # closing is best effort; report, but the run itself was fine
        log.warning("GatewayBot.close() ended with %r", exc)
    return code


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(stream=sys.stderr, level=args.log_level.upper(),  # hikari registers TRACE_HIKARI
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    base = args.base.rstrip("/")
    token = args.token[4:] if args.token.startswith("Bot ") else args.token
    patch(base, args.compress)
    try:
        code = asyncio.run(run(args, base, token))
    except Exception as exc:
        logging.getLogger("hikari_bot").error("hikari failed", exc_info=exc)
        emit({"event": "error", "type": type(exc).__name__, "message": str(exc)})
        code = 1
    emit({"event": "exit", "code": code})
    return code


if __name__ == "__main__":
    sys.exit(main())
