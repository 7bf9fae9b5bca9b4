# Sourced by the check-*.sh scripts: runs `gatewayctl serve` through scenarios
# against a third-party bot and judges the run, the part they share.
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

serve_against_bot() {
    local check="$1" token="$2" timeout="$3" scenario_list="$4"
    shift 4
    [[ -n "${work:-}" ]] && rm -rf "$work"
    swift build --product gatewayctl >&2
    local gatewayctl
    gatewayctl="$(swift build --show-bin-path)/gatewayctl"
    work="$(mktemp -d)"
    serve_pid=""
    bot_pid=""
    trap '[[ -n "$bot_pid" ]] && kill "$bot_pid" 2> /dev/null; [[ -n "$serve_pid" ]] && kill "$serve_pid" 2> /dev/null; rm -rf "$work"' EXIT

    local args=() scenario
    for scenario in $scenario_list; do args+=(--scenario "$scenario"); done
    args+=("${SERVE_OPTIONS[@]+"${SERVE_OPTIONS[@]}"}")
    "$gatewayctl" serve --port 0 --format jsonl --heartbeat-interval 1000 --timeout "$timeout" "${args[@]}" \
        > "$work/serve.jsonl" 2> "$work/serve.err" &
    serve_pid=$!
    for _ in $(seq 100); do
        grep -q '"kind":"listening"' "$work/serve.jsonl" 2> /dev/null && break
        sleep 0.1
    done
    local base
    base="$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["rest"].rsplit("/api/", 1)[0])' "$work/serve.jsonl")"

    "$@" --base "$base" --token "$token" --seconds 240 > "$work/bot.jsonl" 2> "$work/bot.err" &
    bot_pid=$!

    local status=0
    wait "$serve_pid" || status=$?
    serve_pid=""
    python3 - "$work/serve.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    item = json.loads(line)
    if item.get("kind") == "verdict":
        bot = f'bot {item["bot"]}  ' if "bot" in item else ""
        print(f'{"pass" if item["passed"] else "FAIL"}  {bot}{item["scenario"]:28} {item["check"]:38} {item["observed"]}')
PY
    if grep -qF -e "$token" -e "${token##*.}" "$work/serve.jsonl" "$work/serve.err"; then
        echo "$check: FAIL: the bot's token appears in serve's output" >&2
        exit 1
    fi
    if [[ "$status" != 0 ]]; then
        echo "$check: FAIL: serve exited $status" >&2
        tail -20 "$work/serve.err" "$work/bot.err" >&2
        exit 1
    fi
}
