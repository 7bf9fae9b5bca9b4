#!/usr/bin/env python3
"""Runs the gatewayctl examples of README.md and compares their output with the README.

Every ```console block is a transcript: lines starting with `$ ` are commands,
the lines after one (up to the next command) are its expected output; all
commands of the README run in order in one scratch directory. A line
`...` stands for any number of lines. Commands that need the network, a token,
a file the README does not create, or a tool that is not installed are listed
in SKIP and reported, not run. gatewayctl comes from the debug build
(`swift build --show-bin-path`), put first on PATH; `swift run gatewayctl` is
run as that binary. The README shows what a terminal shows, so each command
runs on a pseudo-terminal (pretty output) with NO_COLOR set (no colors).

Commands that talk to `gatewayctl serve` at the README's ws://127.0.0.1:8765
run against a serve started here on a free port (the URL in the command is
pointed at it; the port shows nowhere in their output), and since their times
differ from run to run, any decimal number in their output matches any other.
"""
import atexit
import json
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = [
    re.compile(r"connect "),                           # needs a token and the network
]
SERVE_URL = "ws://127.0.0.1:8765"
DECIMAL = re.compile(r"\d+\.\d+")


class Serve:
    """`gatewayctl serve` on a free port, started at the first command that needs it."""

    def __init__(self, env):
        self.env, self.process, self.url = env, None, None

    def start(self):
        if self.process is None:
            self.log = tempfile.NamedTemporaryFile(prefix="check-readme-serve-", suffix=".jsonl")
            self.process = subprocess.Popen(
                ["gatewayctl", "serve", "--port", "0", "--format", "jsonl"],
                stdout=self.log, stderr=subprocess.DEVNULL, env=self.env)
            atexit.register(self.stop)
            for _ in range(100):
                with open(self.log.name, encoding="utf-8") as log:
                    first = log.readline()
                if first.endswith("\n"):
                    self.url = json.loads(first)["gateway"]
                    break
                time.sleep(0.1)
            else:
                raise RuntimeError("gatewayctl serve did not print the URL it listens on")
        return self.url

    def stop(self):
        """Ctrl-C, as a user stops it."""
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def blocks(text):
    for match in re.finditer(r"```console\n(.*?)```", text, re.S):
        yield match.group(1).splitlines()


def transcripts(lines):
    command, expected = None, []
    for line in lines:
        if line.startswith("$ "):
            if command is not None:
                yield command, expected
            command, expected = line[2:], []
        elif command is not None:
            expected.append(line)
    if command is not None:
        yield command, expected


def run_on_terminal(command, cwd, env):
    """Runs `command` with bash on a pseudo-terminal; returns its output lines."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execvpe("bash", ["bash", "-c", command], env)
    output = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.waitpid(pid, 0)
    os.close(fd)
    text = output.decode("utf-8", "replace").replace("\r\n", "\n")
    # Other tools in a pipeline (jq) may color a terminal even with NO_COLOR set.
    return re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()


def shape(lines):
    """The lines with every decimal number alike, for output whose times vary."""
    return [DECIMAL.sub("N.N", line) for line in lines]


def matches(expected, actual):
    """`...` in expected matches any run of lines (including none)."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and actual[0] == expected[0] and matches(expected[1:], actual[1:])


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bin_path = subprocess.run(
        ["swift", "build", "--show-bin-path"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()
    env = dict(os.environ, PATH=bin_path + os.pathsep + os.environ["PATH"])
    env["NO_COLOR"] = "1"
    readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
    work = tempfile.mkdtemp()
    shutil.copytree(os.path.join(root, "samples"), os.path.join(work, "samples"))
    failures, ran, skipped = 0, 0, []
    serve = Serve(env)
    for block in blocks(readme):
        for command, expected in transcripts(block):
            # Every command runs (setup commands too), in order, in one scratch directory.
            if any(pattern.search(command) for pattern in SKIP) or ("jq " in command and not shutil.which("jq")):
                skipped.append(command)
                continue
            shell = command.replace("swift run gatewayctl", "gatewayctl")
            served = SERVE_URL in shell
            if served:
                shell = shell.replace(SERVE_URL, serve.start())
            actual = run_on_terminal(shell, work, env)
            # A blank line separates examples in the README; trailing blanks never count.
            while expected and not expected[-1].strip():
                expected.pop()
            while actual and not actual[-1].strip():
                actual.pop()
            ran += 1
            if not matches(*((shape(expected), shape(actual)) if served else (expected, actual))):
                failures += 1
                print(f"README example differs: $ {command}", file=sys.stderr)
                print("  expected:\n    " + "\n    ".join(expected), file=sys.stderr)
                print("  actual:\n    " + "\n    ".join(actual), file=sys.stderr)
    for command in skipped:
        print(f"check-readme: not run here: $ {command}")
    print(f"check-readme: {ran} README examples run, {failures} differ")
    return 1 if failures or ran == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
