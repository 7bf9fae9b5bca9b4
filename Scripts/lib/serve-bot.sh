# Sourced by the check-*.sh scripts: runs `gatewayctl serve` (and `gatewayctl
# proxy`) against a third-party bot and judges the run, the parts they share.
#
#   serve_against_bot CHECK TOKEN TIMEOUT "SCENARIO ..." BOT_COMMAND ...
#
# Builds gatewayctl, starts serve on a free port, runs BOT_COMMAND with
# `--base http://127.0.0.1:PORT --token TOKEN --seconds 240` appended, waits for
# serve to finish, prints every verdict, and exits 1 (naming CHECK) when the
# token appears in serve's output or serve did not exit 0. The run's files stay
# in $work (serve.jsonl, serve.err, bot.jsonl, bot.err) until the script exits,
# for checks of the caller's own. SERVE_OPTIONS (an array, optional) gives serve
# more options, e.g. (--bots 2). Calling it again replaces the previous run's files.
#
# Its pieces, for runs of another shape (a proxy in front of serve):
#
#   gatewayctl_work             builds gatewayctl ($gatewayctl) and makes an empty
#                               $work (a previous run's goes, and what it left
#                               running is stopped); every process still running
#                               in the background when the script exits is
#                               stopped, and $work removed
#   start_listening NAME SUBCOMMAND [OPTION ...]
#                               runs `gatewayctl SUBCOMMAND --port 0 --format jsonl
#                               OPTION ...` in the background, its output in
#                               $work/NAME.jsonl and $work/NAME.err, and waits for its
#                               listening line: sets listening_pid, listening_gateway
#                               (ws://HOST:PORT) and listening_base (http://HOST:PORT)
#   token_appears TOKEN FILE ...
#                               whether TOKEN, or its last dot-separated part, is in a FILE

# Stops the background processes still running (those waited for have left the job table).
stop_running() {
    local running
    running="$(jobs -p)"
    if [[ -n "$running" ]]; then kill $running 2> /dev/null || true; fi
}

gatewayctl_work() {
    stop_running
    [[ -n "${work:-}" ]] && rm -rf "$work"
    swift build --product gatewayctl >&2
    gatewayctl="$(swift build --show-bin-path)/gatewayctl"
    work="$(mktemp -d)"
    trap 'stop_running; rm -rf "$work"' EXIT
}

start_listening() {
    local name="$1" subcommand="$2"
    shift 2
    "$gatewayctl" "$subcommand" --port 0 --format jsonl "$@" > "$work/$name.jsonl" 2> "$work/$name.err" &
    listening_pid=$!
    for _ in $(seq 100); do
        grep -q '"kind":"listening"' "$work/$name.jsonl" 2> /dev/null && break
        sleep 0.1
    done
    listening_gateway="$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["gateway"])' "$work/$name.jsonl")"
    listening_base="$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["rest"].rsplit("/api/", 1)[0])' "$work/$name.jsonl")"
}

token_appears() {
    local token="$1"
    shift
    grep -qF -e "$token" -e "${token##*.}" "$@"
}

serve_against_bot() {
    local check="$1" token="$2" timeout="$3" scenario_list="$4"
    shift 4
    gatewayctl_work

    local args=() scenario
    for scenario in $scenario_list; do args+=(--scenario "$scenario"); done
    args+=("${SERVE_OPTIONS[@]+"${SERVE_OPTIONS[@]}"}")
    start_listening serve serve --heartbeat-interval 1000 --timeout "$timeout" "${args[@]}"
    local serve_pid="$listening_pid"

    "$@" --base "$listening_base" --token "$token" --seconds 240 > "$work/bot.jsonl" 2> "$work/bot.err" &

    local status=0
    wait "$serve_pid" || status=$?
    python3 - "$work/serve.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    item = json.loads(line)
    if item.get("kind") == "verdict":
        bot = f'bot {item["bot"]}  ' if "bot" in item else ""
        print(f'{"pass" if item["passed"] else "FAIL"}  {bot}{item["scenario"]:28} {item["check"]:38} {item["observed"]}')
PY
    if token_appears "$token" "$work/serve.jsonl" "$work/serve.err"; then
        echo "$check: FAIL: the bot's token appears in serve's output" >&2
        exit 1
    fi
    if [[ "$status" != 0 ]]; then
        echo "$check: FAIL: serve exited $status" >&2
        tail -n 20 "$work/serve.err" "$work/bot.err" >&2
        exit 1
    fi
}
