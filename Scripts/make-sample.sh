#!/bin/sh
# Regenerates samples/ (the sample session and its raw dumps) with the
# library's own gateway side (GatewayServerConnection) and GatewayConnection;
# the output is the same bytes every time (a test checks the committed files
# against it).
set -eu
cd "$(dirname "$0")/.."
swift run make-sample samples
