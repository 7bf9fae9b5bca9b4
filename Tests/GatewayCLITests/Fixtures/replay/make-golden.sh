#!/bin/sh
# Regenerates the expected outputs of `gatewayctl replay` for the committed
# samples, with the built binary. Review the diff before committing: these
# files are what the tests hold the command to.
set -eu
cd "$(dirname "$0")/../../../.."
swift build --product gatewayctl
gatewayctl=.build/debug/gatewayctl
out=Tests/GatewayCLITests/Fixtures/replay
$gatewayctl replay --format pretty --color never samples/session.gwcap > $out/session.pretty
$gatewayctl replay --format jsonl samples/session.gwcap > $out/session.jsonl
$gatewayctl replay --format jsonl samples/session-conn1.raw > $out/session-conn1.raw.jsonl
$gatewayctl replay --format jsonl --no-handshake samples/session-conn1-frames.raw > $out/session-conn1-frames.raw.jsonl
$gatewayctl replay --summary --quiet --format pretty --color never samples/session.gwcap > $out/session.summary
$gatewayctl replay --summary --quiet --format jsonl samples/session.gwcap > $out/session.summary.jsonl
