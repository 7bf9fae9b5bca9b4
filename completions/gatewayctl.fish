function __gatewayctl_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __gatewayctl_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __gatewayctl_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __gatewayctl_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __gatewayctl_parse_tokens -S
    set -l unparsed_tokens (__gatewayctl_tokens -pc)
    switch $unparsed_tokens[1]
    case 'gatewayctl'
        __gatewayctl_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'connect'
            __gatewayctl_parse_subcommand 1 'token-env=' 'intents=' 'encoding=' 'compression=' 'shard=' 'large-threshold=' 'presence=' 'ca-file=' 'keylog=' 'no-reconnect' 'timeout=' 'keep-session' 'max-events=' 'duration=' 'record=' 'format=' 'color=' 'v/verbose' 'event=+' 'op=+' 'frames' 'no-frames' 'no-status' 'version' 'h/help'
        case 'replay'
            __gatewayctl_parse_subcommand 1 'format=' 'color=' 'v/verbose' 'event=+' 'op=+' 'frames' 'no-frames' 'summary' 'summary-format=' 'q/quiet' 'chunk-size=' 'encoding=' 'compression=' 'no-handshake' 'upstream' 'realtime' 'speed=' 'follow' 'version' 'h/help'
        case 'decode'
            __gatewayctl_parse_subcommand 1 'file=' 'base64' 'as=' 'format=' 'color=' 'v/verbose' 'version' 'h/help'
        case 'handshake'
            __gatewayctl_parse_subcommand 1 'print' 'check=' 'key=' 'encoding=' 'compression=' 'api-version=' 'header=+' 'ca-file=' 'timeout=' 'format=' 'color=' 'v/verbose' 'version' 'h/help'
        case 'serve'
            __gatewayctl_parse_subcommand 0 'host=' 'port=' 'scenario=+' 'script=+' 'bots=' 'list-scenarios' 'timeout=' 'heartbeat-interval=' 'capture=' 'speed=' 'tls' 'cert=' 'key=' 'record=' 'format=' 'color=' 'v/verbose' 'event=+' 'op=+' 'frames' 'no-frames' 'version' 'h/help'
        case 'proxy'
            __gatewayctl_parse_subcommand 0 'host=' 'port=' 'upstream=' 'ca-file=' 'inject=+' 'record=' 'timeout=' 'format=' 'color=' 'v/verbose' 'event=+' 'op=+' 'frames' 'no-frames' 'version' 'h/help'
        case 'export'
            __gatewayctl_parse_subcommand 1 'pcapng=' 'har=' 'keylog=' 'force' 'encoding=' 'compression=' 'no-handshake' 'upstream' 'version' 'h/help'
        case 'help'
            __gatewayctl_parse_subcommand -r 1 'version'
        end
    end
end

function __gatewayctl_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __gatewayctl_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __gatewayctl_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __gatewayctl_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__gatewayctl_tokens -p)
    if test -z "$(__gatewayctl_tokens -t)"
        set -l index (count (__gatewayctl_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'gatewayctl' -f
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl" version' -l 'version' -d 'Show the version.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_positional "gatewayctl" -eq 1' -fa 'connect' -d 'Open a live gateway session, print every payload and event, reconnect, and record it.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_positional "gatewayctl" -eq 1' -fa 'replay' -d 'Replay a capture or raw dump through the gateway state machine, offline.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_positional "gatewayctl" -eq 1' -fa 'decode' -d 'Decode gateway bytes given as a hexdump: frames, compression, JSON or ETF.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_positional "gatewayctl" -eq 1' -fa 'handshake' -d 'Perform the opening handshake with a gateway, show the upgrade request, or check a response.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_positional "gatewayctl" -eq 1' -fa 'serve' -d 'Run a mock Discord gateway that tests a bot, scenario by scenario.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_positional "gatewayctl" -eq 1' -fa 'proxy' -d 'Relay a bot\'s gateway connection to Discord, show both directions decoded, and inject faults.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_positional "gatewayctl" -eq 1' -fa 'export' -d 'Export a capture or raw dump as pcapng for Wireshark, or HAR for browser devtools.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_positional "gatewayctl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" token-env' -l 'token-env' -d 'The environment variable holding the bot token.' -rfka '(env | cut -d= -f1)'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" intents' -l 'intents' -d 'Intents: a number (513) or names (GUILDS,GUILD_MESSAGES), case-insensitive.' -rfka 'GUILDS GUILD_MEMBERS GUILD_MODERATION GUILD_EXPRESSIONS GUILD_INTEGRATIONS GUILD_WEBHOOKS GUILD_INVITES GUILD_VOICE_STATES GUILD_PRESENCES GUILD_MESSAGES GUILD_MESSAGE_REACTIONS GUILD_MESSAGE_TYPING DIRECT_MESSAGES DIRECT_MESSAGE_REACTIONS DIRECT_MESSAGE_TYPING MESSAGE_CONTENT GUILD_SCHEDULED_EVENTS AUTO_MODERATION_CONFIGURATION AUTO_MODERATION_EXECUTION GUILD_MESSAGE_POLLS DIRECT_MESSAGE_POLLS'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" encoding' -l 'encoding' -d 'Payload encoding: json or etf.' -rfka 'json etf'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" compression' -l 'compression' -d 'Compression: zlib-stream, zstd-stream, payload or none.' -rfka 'none zlib-stream zstd-stream payload'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" shard' -l 'shard' -d 'The shard as ID/COUNT, e.g. 0/2.' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" large-threshold' -l 'large-threshold' -d 'Members above which a guild is large (50-250).' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" presence' -l 'presence' -d 'Presence status sent in IDENTIFY: online, dnd, idle, invisible or offline.' -rfka 'online dnd idle invisible offline'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" ca-file' -l 'ca-file' -d 'A PEM file of extra CA certificates to trust for wss://.' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" keylog' -l 'keylog' -d 'Append the TLS session secrets to FILE (NSS key log format, as SSLKEYLOGFILE) for Wireshark: it decrypts the session.' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" no-reconnect' -l 'no-reconnect' -d 'Stop at the first disconnect, with its exit status.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" timeout' -l 'timeout' -d 'Seconds to wait for each step: connecting, TLS, the upgrade answer, HELLO, the close echo.' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" keep-session' -l 'keep-session' -d 'On stop, close with a resumable code (4000) instead of 1000.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" max-events' -l 'max-events' -d 'Stop cleanly after this many dispatches.' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" duration' -l 'duration' -d 'Stop cleanly after this many seconds.' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" record' -l 'record' -d 'Record the session to this capture file (readable by replay).' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" format' -l 'format' -d 'Output format: pretty or jsonl (default: pretty on a terminal, jsonl otherwise).' -rfka 'pretty jsonl'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" color' -l 'color' -d 'Color pretty output: auto, always or never (auto honours NO_COLOR; GATEWAYCTL_COLORS sets JSON\'s colors as JQ_COLORS does jq\'s).' -rfka 'auto always never'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" v verbose' -s 'v' -l 'verbose' -d 'Also show the raw detail behind errors (connect, handshake, proxy) and the address, TLS and certificate (connect, handshake).'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect"' -l 'event' -d 'Show only dispatches with this event name (repeatable).' -rfka 'READY RESUMED GUILD_CREATE GUILD_UPDATE GUILD_DELETE GUILD_MEMBER_ADD GUILD_MEMBER_UPDATE GUILD_MEMBER_REMOVE CHANNEL_CREATE CHANNEL_UPDATE CHANNEL_DELETE THREAD_CREATE MESSAGE_CREATE MESSAGE_UPDATE MESSAGE_DELETE MESSAGE_REACTION_ADD MESSAGE_REACTION_REMOVE TYPING_START PRESENCE_UPDATE VOICE_STATE_UPDATE INTERACTION_CREATE'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect"' -l 'op' -d 'Show only payloads with this opcode (repeatable).' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" frames' -l 'frames' -d 'Show WebSocket frame headers (default: on for replay, off for connect; off with --event/--op).'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" no-frames' -l 'no-frames' -d 'Show WebSocket frame headers (default: on for replay, off for connect; off with --event/--op).'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" no-status' -l 'no-status' -d 'No status line on a terminal\'s standard error.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" version' -l 'version' -d 'Show the version.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl connect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_positional "gatewayctl replay" -eq 1' -F
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" format' -l 'format' -d 'Output format: pretty or jsonl (default: pretty on a terminal, jsonl otherwise).' -rfka 'pretty jsonl'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" color' -l 'color' -d 'Color pretty output: auto, always or never (auto honours NO_COLOR; GATEWAYCTL_COLORS sets JSON\'s colors as JQ_COLORS does jq\'s).' -rfka 'auto always never'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" v verbose' -s 'v' -l 'verbose' -d 'Also show the raw detail behind errors (connect, handshake, proxy) and the address, TLS and certificate (connect, handshake).'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay"' -l 'event' -d 'Show only dispatches with this event name (repeatable).' -rfka 'READY RESUMED GUILD_CREATE GUILD_UPDATE GUILD_DELETE GUILD_MEMBER_ADD GUILD_MEMBER_UPDATE GUILD_MEMBER_REMOVE CHANNEL_CREATE CHANNEL_UPDATE CHANNEL_DELETE THREAD_CREATE MESSAGE_CREATE MESSAGE_UPDATE MESSAGE_DELETE MESSAGE_REACTION_ADD MESSAGE_REACTION_REMOVE TYPING_START PRESENCE_UPDATE VOICE_STATE_UPDATE INTERACTION_CREATE'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay"' -l 'op' -d 'Show only payloads with this opcode (repeatable).' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" frames' -l 'frames' -d 'Show WebSocket frame headers (default: on for replay, off for connect; off with --event/--op).'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" no-frames' -l 'no-frames' -d 'Show WebSocket frame headers (default: on for replay, off for connect; off with --event/--op).'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" summary' -l 'summary' -d 'Print totals at the end: payloads per op and event, payload sizes, sequence gaps, reconnects, duration, latency and inter-arrival percentiles.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" summary-format' -l 'summary-format' -d 'The summary\'s format: pretty or json (one JSON object). Implies --summary. Default: pretty with --format pretty, json with --format jsonl.' -rfka 'pretty json'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" q quiet' -l 'quiet' -s 'q' -d 'Print nothing but the summary and errors.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" chunk-size' -l 'chunk-size' -d 'Feed the bytes in pieces of at most N bytes (the output does not change).' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" encoding' -l 'encoding' -d 'The payload encoding, overriding the header or the sniffed one: json or etf.' -rfka 'json etf'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" compression' -l 'compression' -d 'The compression, overriding the header or the sniffed one: none, payload, zlib-stream, zstd-stream.' -rfka 'none zlib-stream zstd-stream payload'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" no-handshake' -l 'no-handshake' -d 'The raw dump starts directly at the first frame, without the HTTP response.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" upstream' -l 'upstream' -d 'For a proxy recording: what Discord sent the proxy, not what the bot received.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" realtime' -l 'realtime' -d 'Replay at the recording\'s own pace, as it happened (capture recordings have times).'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" speed' -l 'speed' -d 'Replay at this multiple of the recorded pace: 2 twice as fast, 0.5 half as fast (implies --realtime).' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" follow' -l 'follow' -d 'Keep reading a capture that is still being written (connect --record), like tail -f, until Ctrl-C.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" version' -l 'version' -d 'Show the version.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl replay" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl decode" file' -l 'file' -d 'Read the hexdump from FILE.' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl decode" base64' -l 'base64' -d 'The input is base64, not hex.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl decode" as' -l 'as' -d 'What the bytes are: auto, frames, zlib-stream, zlib, zstd, etf, json.' -rfka 'auto frames zlib-stream zlib zstd etf json'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl decode" format' -l 'format' -d 'Output format: pretty or jsonl (default: pretty on a terminal, jsonl otherwise).' -rfka 'pretty jsonl'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl decode" color' -l 'color' -d 'Color pretty output: auto, always or never (auto honours NO_COLOR; GATEWAYCTL_COLORS sets JSON\'s colors as JQ_COLORS does jq\'s).' -rfka 'auto always never'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl decode" v verbose' -s 'v' -l 'verbose' -d 'Also show the raw detail behind errors (connect, handshake, proxy) and the address, TLS and certificate (connect, handshake).'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl decode" version' -l 'version' -d 'Show the version.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl decode" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl handshake" print' -l 'print' -d 'Print the upgrade request.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl handshake" check' -l 'check' -d 'Check the server response in FILE (\'-\' for standard input) against --key.' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl handshake" key' -l 'key' -d 'The Sec-WebSocket-Key, base64 of 16 bytes.' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl handshake" encoding' -l 'encoding' -d 'The payload encoding: json or etf.' -rfka 'json etf'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl handshake" compression' -l 'compression' -d 'The compression: none, payload, zlib-stream or zstd-stream.' -rfka 'none zlib-stream zstd-stream payload'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl handshake" api-version' -l 'api-version' -d 'The gateway API version (v=).' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl handshake"' -l 'header' -d 'An extra request header, \'Name: value\' (repeatable).' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl handshake" ca-file' -l 'ca-file' -d 'A PEM file of extra CA certificates to trust for wss://.' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl handshake" timeout' -l 'timeout' -d 'Seconds to wait for each step over the network: connecting, the answer, HELLO, the close.' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl handshake" format' -l 'format' -d 'Output format: pretty or jsonl (default: pretty on a terminal, jsonl otherwise).' -rfka 'pretty jsonl'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl handshake" color' -l 'color' -d 'Color pretty output: auto, always or never (auto honours NO_COLOR; GATEWAYCTL_COLORS sets JSON\'s colors as JQ_COLORS does jq\'s).' -rfka 'auto always never'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl handshake" v verbose' -s 'v' -l 'verbose' -d 'Also show the raw detail behind errors (connect, handshake, proxy) and the address, TLS and certificate (connect, handshake).'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl handshake" version' -l 'version' -d 'Show the version.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl handshake" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" host' -l 'host' -d 'The address to listen on.' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" port' -l 'port' -d 'The port to listen on (0 picks a free one; the URL is printed).' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve"' -l 'scenario' -d 'A scenario to run (repeatable; all runs every one).' -rfka 'all normal server-heartbeat reconnect invalid-session-resumable invalid-session large-ready slow-hello rate-limit zombie drop close-4000 close-4001 close-4002 close-4003 close-4005 close-4007 close-4008 close-4009 close-4004 close-4010 close-4011 close-4012 close-4013 close-4014'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve"' -l 'script' -d 'A file of one\'s own steps, run as a scenario after the --scenario ones (repeatable).' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" bots' -l 'bots' -d 'How many bots to judge, each on its own (told apart by token and shard).' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" list-scenarios' -l 'list-scenarios' -d 'List the scenarios with what each checks, and exit.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" timeout' -l 'timeout' -d 'Seconds any wait for the bot may take before its check fails.' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" heartbeat-interval' -l 'heartbeat-interval' -d 'The heartbeat interval HELLO announces, in milliseconds.' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" capture' -l 'capture' -d 'Play this recording\'s dispatches to every bot that identifies (connect --record, serve --record).' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" speed' -l 'speed' -d 'The pace of --capture: 1 as recorded, 2 twice as fast, 0 as fast as the bot reads.' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" tls' -l 'tls' -d 'Serve wss:// and https:// with --cert and --key.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" cert' -l 'cert' -d 'The server\'s certificate chain, a PEM file (with --tls).' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" key' -l 'key' -d 'The server\'s private key, a PEM file (with --tls).' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" record' -l 'record' -d 'Record what each bot received and sent to this capture file (readable by replay).' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" format' -l 'format' -d 'Output format: pretty or jsonl (default: pretty on a terminal, jsonl otherwise).' -rfka 'pretty jsonl'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" color' -l 'color' -d 'Color pretty output: auto, always or never (auto honours NO_COLOR; GATEWAYCTL_COLORS sets JSON\'s colors as JQ_COLORS does jq\'s).' -rfka 'auto always never'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" v verbose' -s 'v' -l 'verbose' -d 'Also show the raw detail behind errors (connect, handshake, proxy) and the address, TLS and certificate (connect, handshake).'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve"' -l 'event' -d 'Show only dispatches with this event name (repeatable).' -rfka 'READY RESUMED GUILD_CREATE GUILD_UPDATE GUILD_DELETE GUILD_MEMBER_ADD GUILD_MEMBER_UPDATE GUILD_MEMBER_REMOVE CHANNEL_CREATE CHANNEL_UPDATE CHANNEL_DELETE THREAD_CREATE MESSAGE_CREATE MESSAGE_UPDATE MESSAGE_DELETE MESSAGE_REACTION_ADD MESSAGE_REACTION_REMOVE TYPING_START PRESENCE_UPDATE VOICE_STATE_UPDATE INTERACTION_CREATE'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve"' -l 'op' -d 'Show only payloads with this opcode (repeatable).' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" frames' -l 'frames' -d 'Show WebSocket frame headers (default: on for replay, off for connect; off with --event/--op).'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" no-frames' -l 'no-frames' -d 'Show WebSocket frame headers (default: on for replay, off for connect; off with --event/--op).'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" version' -l 'version' -d 'Show the version.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy" host' -l 'host' -d 'The address to listen on.' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy" port' -l 'port' -d 'The port to listen on (0 picks a free one; the URL is printed).' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy" upstream' -l 'upstream' -d 'The gateway bots are relayed to (ws:// or wss://).' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy" ca-file' -l 'ca-file' -d 'Also trust the CAs in this PEM file for a wss:// upstream.' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy"' -l 'inject' -d 'A fault to make, ACTION[@WHEN] (repeatable; see the discussion).' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy" record' -l 'record' -d 'Record both legs to this capture file (replay; replay --upstream for Discord\'s side).' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy" timeout' -l 'timeout' -d 'Seconds the upstream may take to answer a bot\'s upgrade (TCP, TLS, the upgrade): then the bot gets 504.' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy" format' -l 'format' -d 'Output format: pretty or jsonl (default: pretty on a terminal, jsonl otherwise).' -rfka 'pretty jsonl'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy" color' -l 'color' -d 'Color pretty output: auto, always or never (auto honours NO_COLOR; GATEWAYCTL_COLORS sets JSON\'s colors as JQ_COLORS does jq\'s).' -rfka 'auto always never'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy" v verbose' -s 'v' -l 'verbose' -d 'Also show the raw detail behind errors (connect, handshake, proxy) and the address, TLS and certificate (connect, handshake).'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy"' -l 'event' -d 'Show only dispatches with this event name (repeatable).' -rfka 'READY RESUMED GUILD_CREATE GUILD_UPDATE GUILD_DELETE GUILD_MEMBER_ADD GUILD_MEMBER_UPDATE GUILD_MEMBER_REMOVE CHANNEL_CREATE CHANNEL_UPDATE CHANNEL_DELETE THREAD_CREATE MESSAGE_CREATE MESSAGE_UPDATE MESSAGE_DELETE MESSAGE_REACTION_ADD MESSAGE_REACTION_REMOVE TYPING_START PRESENCE_UPDATE VOICE_STATE_UPDATE INTERACTION_CREATE'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy"' -l 'op' -d 'Show only payloads with this opcode (repeatable).' -rfka ''
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy" frames' -l 'frames' -d 'Show WebSocket frame headers (default: on for replay, off for connect; off with --event/--op).'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy" no-frames' -l 'no-frames' -d 'Show WebSocket frame headers (default: on for replay, off for connect; off with --event/--op).'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy" version' -l 'version' -d 'Show the version.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl proxy" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_positional "gatewayctl export" -eq 1' -F
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl export" pcapng' -l 'pcapng' -d 'Write a pcapng file (Wireshark, tshark) here.' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl export" har' -l 'har' -d 'Write a HAR 1.2 file (browser developer tools) here.' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl export" keylog' -l 'keylog' -d 'Embed this TLS key log (connect --keylog) in the pcapng as a Decryption Secrets Block.' -rF
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl export" force' -l 'force' -d 'Overwrite output files that exist.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl export" encoding' -l 'encoding' -d 'The payload encoding, overriding the header or the sniffed one: json or etf.' -rfka 'json etf'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl export" compression' -l 'compression' -d 'The compression, overriding the header or the sniffed one: none, payload, zlib-stream, zstd-stream.' -rfka 'none zlib-stream zstd-stream payload'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl export" no-handshake' -l 'no-handshake' -d 'The raw dump starts directly at the first frame, without the HTTP response.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl export" upstream' -l 'upstream' -d 'For a proxy recording: what Discord sent the proxy, not what the bot received.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl export" version' -l 'version' -d 'Show the version.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl export" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'gatewayctl' -n '__gatewayctl_should_offer_completions_for_flags_or_options "gatewayctl help" version' -l 'version' -d 'Show the version.'
