#!/usr/bin/env python3
"""The hostile-server suite: gatewayctl against a gateway that misbehaves on purpose.

    python3 Scripts/check-hostile.py [--gatewayctl PATH] [--report] [CASE...]

For each case, Scripts/hostile_gateway.py (a standalone Python server that shares
no code with the project's Swift server) serves one misbehaviour on loopback,
and `gatewayctl connect` (and, for the cases at the upgrade and frame level,
`gatewayctl handshake`) runs against it. Each run must end with the expected
exit status, a single `gatewayctl: ...` line last on standard error naming the
cause, within a time limit and a peak memory (the child's own ru_maxrss, from
wait4), and must never print the token. What it covers:

  - the opening handshake: no answer, a hang-up instead of an answer, a 101
    dripped a byte every 0.5 s, silence or a hang-up after 101, a wrong
    Sec-WebSocket-Accept, a missing Upgrade or Connection header, a truncated
    HTTP 500, garbage after 101;
  - framing: reserved bits, a masked server frame, an oversized control frame,
    lengths of 2^63 (MSB set) and 2^40, invalid UTF-8 in a text frame, close code
    1005 on the wire, a TCP reset in the middle of a frame;
  - payloads: 100 MiB zlib-stream and zstd-stream decompression bombs, a
    message that is not JSON followed by silence (the close goes unanswered);
  - the gateway: HELLO without, with zero or with a negative heartbeat_interval,
    heartbeats never acknowledged (a zombie connection);
  - floods: pings as fast as possible while the server never reads, and one
    message in 200,000 one-byte continuation frames;
  - TLS: a self-signed, an expired and a wrong-host certificate
    (Scripts/hostile-certs/, with the script that made them);
  - a healthy gateway as the control.

The expectations are the EXPECT table below: one place to adjust a status, a
cause substring, a time or a memory limit. Exits non-zero when any run misses
one; --report adds a Markdown table of the runs for release notes.
Standard library only (Python 3.11); needs libzstd.so.1 for zstd-bomb.
"""

import argparse
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "Scripts", "hostile_gateway.py")
CA_FILE = os.path.join("Scripts", "hostile-certs", "test-ca.pem")

TOKEN = "hostile-test-token-XYZ"
TIMEOUT = 3          # gatewayctl's --timeout, seconds
SLACK = 3            # what a run may take beyond it
HARD_LIMIT = 30      # a run still going after this many seconds is killed and fails
DEFAULT_MIB = 64     # peak resident memory of a run, unless the case says otherwise
BOMB_MIB = 64 + 48
FLOOD_MIB = 100
FLOOD_SECONDS = 10


@dataclass
class Expect:
    status: int | None                 # None: any status
    cause: list = field(default_factory=list)  # each a substring, or a tuple of alternatives
    seconds: float = TIMEOUT + SLACK
    mib: float = DEFAULT_MIB


def unavailable(*cause, **kw):
    return Expect(69, list(cause), **kw)


def protocol(*cause, **kw):
    return Expect(76, list(cause), **kw)


HELLO_CAUSE = ("heartbeat_interval", "hello")

# case -> (compression, {command: Expect}). `handshake` is run only where listed:
# the cases up to the upgrade and the frame level (HELLO is what handshake waits
# for; after it, it closes with 1000 and must still judge what arrives).
EXPECT = {
    "no-answer": ("zlib-stream", {
        "connect": unavailable("upgrade", "3 s"),
        "handshake": unavailable("upgrade", "3 s")}),
    "slow-drip": ("zlib-stream", {
        "connect": unavailable("3 s"),
        "handshake": unavailable("3 s")}),
    # Two waits, each --timeout long: HELLO's, then the echo of the close that gives up on it
    # (this server answers nothing).
    "silent-after-101": ("zlib-stream", {
        "connect": protocol("hello", "3 s", seconds=2 * TIMEOUT + SLACK),
        "handshake": protocol("hello", "3 s", seconds=2 * TIMEOUT + SLACK)}),
    "hangup-before-answer": ("zlib-stream", {
        "connect": unavailable("closed the connection before answering the upgrade"),
        "handshake": unavailable("closed the connection before answering the upgrade")}),
    "hangup-after-101": ("zlib-stream", {
        "connect": unavailable("dropped the connection without a close frame"),
        "handshake": unavailable("dropped the connection without a close frame")}),
    # The client's close (4002 for connect, the gateway connection's own for handshake) goes
    # unanswered too: two waits at most.
    "undecodable-then-silent": ("none", {
        "connect": protocol("cannot be decoded", seconds=2 * TIMEOUT + SLACK),
        "handshake": protocol("cannot be decoded", seconds=2 * TIMEOUT + SLACK)}),
    "wrong-accept": ("zlib-stream", {
        "connect": protocol("accept"),
        "handshake": protocol("accept")}),
    "missing-upgrade-header": ("zlib-stream", {
        "connect": protocol("upgrade"),
        "handshake": protocol("upgrade")}),
    "missing-connection-header": ("zlib-stream", {
        "connect": protocol("connection"),
        "handshake": protocol("connection")}),
    "500-truncated": ("zlib-stream", {
        "connect": unavailable("500"),
        "handshake": unavailable("500")}),
    "garbage-after-101": ("zlib-stream", {
        "connect": protocol(),
        "handshake": protocol()}),
    "reserved-bits": ("zlib-stream", {
        "connect": protocol("reserved"),
        "handshake": protocol("reserved")}),
    "masked-frame": ("zlib-stream", {
        "connect": protocol("mask"),
        "handshake": protocol("mask")}),
    "oversized-control": ("zlib-stream", {
        "connect": protocol("control"),
        "handshake": protocol("control")}),
    "length-2-63": ("zlib-stream", {
        "connect": protocol(),
        "handshake": protocol()}),
    "length-2-40": ("zlib-stream", {
        "connect": protocol(),
        "handshake": protocol()}),
    "invalid-utf8": ("none", {
        "connect": protocol("utf-8"),
        "handshake": protocol("utf-8")}),
    "close-1005": ("zlib-stream", {
        "connect": protocol("1005"),
        "handshake": protocol("1005")}),
    "reset-mid-frame": ("zlib-stream", {
        "connect": unavailable(),
        "handshake": unavailable()}),
    "zlib-bomb": ("zlib-stream", {
        "connect": protocol(mib=BOMB_MIB)}),
    "zstd-bomb": ("zstd-stream", {
        "connect": protocol(mib=BOMB_MIB)}),
    "hello-no-interval": ("zlib-stream", {
        "connect": protocol(HELLO_CAUSE)}),
    "hello-zero-interval": ("zlib-stream", {
        "connect": protocol(HELLO_CAUSE)}),
    "hello-negative-interval": ("zlib-stream", {
        "connect": protocol(HELLO_CAUSE)}),
    "no-acks": ("zlib-stream", {
        "connect": unavailable("acknowledg", seconds=6)}),
    "ping-flood": ("zlib-stream", {
        "connect": Expect(None, seconds=FLOOD_SECONDS, mib=FLOOD_MIB)}),
    "tiny-frame-flood": ("none", {
        "connect": Expect(None, seconds=FLOOD_SECONDS, mib=FLOOD_MIB)}),
    "healthy": ("zlib-stream", {
        "connect": Expect(0),
        "handshake": Expect(0)}),
    "tls-self-signed": ("zlib-stream", {
        "connect": unavailable(("not trusted", "certificate")),
        "handshake": unavailable(("not trusted", "certificate"))}),
    "tls-expired": ("zlib-stream", {
        "connect": unavailable("expired"),
        "handshake": unavailable("expired")}),
    "tls-wrong-host": ("zlib-stream", {
        "connect": unavailable(("other.example", "hostname")),
        "handshake": unavailable(("other.example", "hostname"))}),
}


def command_line(gatewayctl, command, case, compression, port):
    tls = case.startswith("tls-")
    url = "%s://127.0.0.1:%d" % ("wss" if tls else "ws", port)
    ca = ["--ca-file", CA_FILE] if tls else []
    timeout = ["--timeout", str(TIMEOUT)]
    if command == "connect":
        # --max-events 1: a gateway that gets as far as a dispatch ends the run
        # at once (the healthy control's clean stop; a hostile case's failure).
        return [gatewayctl, "connect", url, "--no-reconnect", *timeout, "--format", "jsonl",
                "--compression", compression, "--max-events", "1", *ca]
    return [gatewayctl, "handshake", url, *timeout, "--format", "jsonl",
            "--compression", compression, *ca]


class Server:
    def __init__(self, case):
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, SERVER, "--case", case], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=self.log)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError("the hostile server did not start (%r): %s" % (line, self.errors()))
        self.port = int(line.split()[1])

    def errors(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace").strip()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


@dataclass
class Run:
    case: str
    command: str
    expect: Expect
    status: int = 0
    seconds: float = 0.0
    mib: float = 0.0
    cause: str = ""      # the `gatewayctl:` line
    last: str = ""       # standard error's last line, shown when there is no cause line
    failures: list = field(default_factory=list)

    def shown_cause(self):
        return self.cause or ("[last stderr line] " + self.last if self.last else "")


def run_child(argv):
    """Runs argv with the suite's environment; returns (status, seconds, peak MiB, stdout, stderr, killed)."""
    env = dict(os.environ, DISCORD_TOKEN=TOKEN, NO_COLOR="1")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        killed = threading.Event()
        reaped = threading.Event()

        def kill():
            if not reaped.is_set():
                killed.set()
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

        timer = threading.Timer(HARD_LIMIT, kill)
        timer.start()
        _, wait_status, usage = os.wait4(proc.pid, 0)
        reaped.set()
        timer.cancel()
        seconds = time.monotonic() - start
        status = os.waitstatus_to_exitcode(wait_status)
        proc.returncode = status  # reaped here; keeps Popen from waiting again
        out.seek(0)
        err.seek(0)
        return status, seconds, usage.ru_maxrss / 1024, out.read(), err.read(), killed.is_set()


def judge(run, stdout, stderr, killed):
    e = run.expect
    f = run.failures
    if killed:
        f.append("still running after %d s: killed" % HARD_LIMIT)
    if e.status is not None and run.status != e.status:
        f.append("exit status %d, expected %d" % (run.status, e.status))
    if run.seconds > e.seconds:
        f.append("took %.2f s, at most %.0f s expected" % (run.seconds, e.seconds))
    if run.mib > e.mib:
        f.append("peak %.1f MiB, at most %.0f MiB expected" % (run.mib, e.mib))
    if TOKEN.encode() in stdout:
        f.append("the token appears on standard output")
    if TOKEN.encode() in stderr:
        f.append("the token appears on standard error")
    lines = [line for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    causes = [line for line in lines if line.startswith("gatewayctl:")]
    run.cause = causes[-1] if causes else ""
    run.last = lines[-1].strip() if lines else ""
    failing = run.status != 0 if e.status is None else e.status != 0
    if failing and len(causes) != 1:
        f.append("%d lines start with 'gatewayctl:' on standard error, expected exactly one" % len(causes))
    elif not failing and len(causes) > 1:
        f.append("%d lines start with 'gatewayctl:' on standard error" % len(causes))
    if causes and lines[-1] != causes[-1]:
        f.append("the 'gatewayctl:' line is not the last line of standard error (a cause spread over lines?)")
    for want in e.cause:
        alternatives = want if isinstance(want, tuple) else (want,)
        if not any(a.lower() in run.cause.lower() for a in alternatives):
            f.append("the cause does not mention %s" % " or ".join(repr(a) for a in alternatives))
    return run


def check_case(gatewayctl, case, verbose):
    compression, commands = EXPECT[case]
    runs = []
    try:
        server = Server(case)
    except RuntimeError as e:
        run = Run(case, "server", Expect(0), failures=[str(e)])
        report_line(run)
        return [run]
    try:
        for command in ("connect", "handshake"):
            if command not in commands:
                continue
            argv = command_line(gatewayctl, command, case, compression, server.port)
            status, seconds, mib, stdout, stderr, killed = run_child(argv)
            run = judge(Run(case, command, commands[command], status, seconds, mib), stdout, stderr, killed)
            runs.append(run)
            report_line(run)
            if verbose or run.failures:
                print("      $ " + " ".join(argv[1:]))
            if verbose:
                tail = stderr.decode(errors="replace").strip().splitlines()[-5:]
                for line in tail:
                    print("      stderr: " + line[:300])
    finally:
        server.stop()
    return runs


def report_line(run):
    want = "any" if run.expect.status is None else str(run.expect.status)
    print("%s %-26s %-9s exit %3d (want %3s) %6.2f s %6.1f MiB  %s" % (
        "FAIL" if run.failures else "ok  ", run.case, run.command, run.status, want,
        run.seconds, run.mib, run.shown_cause() or "-"), flush=True)
    for failure in run.failures:
        print("      - " + failure, flush=True)


def markdown(runs):
    rows = ["| case | command | exit | seconds | peak MiB | cause |",
            "|---|---|---:|---:|---:|---|"]
    for r in runs:
        cause = (r.cause[len("gatewayctl:"):].strip() if r.cause else r.shown_cause()).replace("|", "\\|")
        rows.append("| %s | %s | %d | %.2f | %.1f | %s |" % (r.case, r.command, r.status, r.seconds, r.mib, cause))
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description="gatewayctl against a gateway that misbehaves on purpose.")
    parser.add_argument("cases", nargs="*", metavar="CASE", help="cases to run (default: all)")
    parser.add_argument("--gatewayctl", default=".build/debug/gatewayctl", help="the gatewayctl to test")
    parser.add_argument("--report", action="store_true", help="also print a Markdown table of the runs")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--verbose", action="store_true", help="show each command line and stderr's last lines")
    args = parser.parse_args()

    if args.list:
        for case, (compression, commands) in EXPECT.items():
            print("%-26s %-12s %s" % (case, compression, " ".join(commands)))
        return 0
    unknown = [c for c in args.cases if c not in EXPECT]
    if unknown:
        parser.error("unknown case %s (--list shows them)" % ", ".join(unknown))
    gatewayctl = os.path.abspath(os.path.join(ROOT, args.gatewayctl)) if not os.path.isabs(args.gatewayctl) \
        else args.gatewayctl
    if not os.access(gatewayctl, os.X_OK):
        print("check-hostile: no gatewayctl at %s (swift build first, or --gatewayctl PATH)" % gatewayctl,
              file=sys.stderr)
        return 2

    runs = []
    for case in args.cases or list(EXPECT):
        runs += check_case(gatewayctl, case, args.verbose)
    failed = [r for r in runs if r.failures]
    print("check-hostile: %d runs, %d passed, %d failed" % (len(runs), len(runs) - len(failed), len(failed)))
    for r in failed:
        print("check-hostile: FAIL %s %s: %s" % (r.case, r.command, "; ".join(r.failures)))
    if args.report:
        print()
        print(markdown(runs))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
