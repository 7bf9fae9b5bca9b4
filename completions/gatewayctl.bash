#!/bin/bash

__gatewayctl_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__gatewayctl_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__gatewayctl_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__gatewayctl_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_gatewayctl() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __gatewayctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    connect|replay|decode|handshake|serve|proxy|export|help)
        # Offer subcommand argument completions
        "_gatewayctl_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'connect replay decode handshake serve proxy export help' -- "${cur}"))
        ;;
    esac
}

_gatewayctl_connect() {
    repeating_flags=()
    non_repeating_flags=(--no-reconnect --keep-session -v --verbose --frames --no-frames --no-status --version -h --help)
    repeating_options=(--event --op)
    non_repeating_options=(--token-env --intents --encoding --compression --shard --large-threshold --presence --ca-file --keylog --timeout --max-events --duration --record --format --color)
    __gatewayctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--token-env')
        __gatewayctl_add_completions -W "$(eval 'env | cut -d= -f1')"
        return
        ;;
    '--intents')
        __gatewayctl_add_completions -W 'GUILDS'$'\n''GUILD_MEMBERS'$'\n''GUILD_MODERATION'$'\n''GUILD_EXPRESSIONS'$'\n''GUILD_INTEGRATIONS'$'\n''GUILD_WEBHOOKS'$'\n''GUILD_INVITES'$'\n''GUILD_VOICE_STATES'$'\n''GUILD_PRESENCES'$'\n''GUILD_MESSAGES'$'\n''GUILD_MESSAGE_REACTIONS'$'\n''GUILD_MESSAGE_TYPING'$'\n''DIRECT_MESSAGES'$'\n''DIRECT_MESSAGE_REACTIONS'$'\n''DIRECT_MESSAGE_TYPING'$'\n''MESSAGE_CONTENT'$'\n''GUILD_SCHEDULED_EVENTS'$'\n''AUTO_MODERATION_CONFIGURATION'$'\n''AUTO_MODERATION_EXECUTION'$'\n''GUILD_MESSAGE_POLLS'$'\n''DIRECT_MESSAGE_POLLS'
        return
        ;;
    '--encoding')
        __gatewayctl_add_completions -W 'json'$'\n''etf'
        return
        ;;
    '--compression')
        __gatewayctl_add_completions -W 'none'$'\n''zlib-stream'$'\n''zstd-stream'$'\n''payload'
        return
        ;;
    '--shard')
        return
        ;;
    '--large-threshold')
        return
        ;;
    '--presence')
        __gatewayctl_add_completions -W 'online'$'\n''dnd'$'\n''idle'$'\n''invisible'$'\n''offline'
        return
        ;;
    '--ca-file')
        __gatewayctl_add_completions -f
        return
        ;;
    '--keylog')
        __gatewayctl_add_completions -f
        return
        ;;
    '--timeout')
        return
        ;;
    '--max-events')
        return
        ;;
    '--duration')
        return
        ;;
    '--record')
        __gatewayctl_add_completions -f
        return
        ;;
    '--format')
        __gatewayctl_add_completions -W 'pretty'$'\n''jsonl'
        return
        ;;
    '--color')
        __gatewayctl_add_completions -W 'auto'$'\n''always'$'\n''never'
        return
        ;;
    '--event')
        __gatewayctl_add_completions -W 'READY'$'\n''RESUMED'$'\n''GUILD_CREATE'$'\n''GUILD_UPDATE'$'\n''GUILD_DELETE'$'\n''GUILD_MEMBER_ADD'$'\n''GUILD_MEMBER_UPDATE'$'\n''GUILD_MEMBER_REMOVE'$'\n''CHANNEL_CREATE'$'\n''CHANNEL_UPDATE'$'\n''CHANNEL_DELETE'$'\n''THREAD_CREATE'$'\n''MESSAGE_CREATE'$'\n''MESSAGE_UPDATE'$'\n''MESSAGE_DELETE'$'\n''MESSAGE_REACTION_ADD'$'\n''MESSAGE_REACTION_REMOVE'$'\n''TYPING_START'$'\n''PRESENCE_UPDATE'$'\n''VOICE_STATE_UPDATE'$'\n''INTERACTION_CREATE'
        return
        ;;
    '--op')
        return
        ;;
    esac
}

_gatewayctl_replay() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --frames --no-frames --summary --quiet -q --no-handshake --upstream --realtime --follow --version -h --help)
    repeating_options=(--event --op)
    non_repeating_options=(--format --color --summary-format --chunk-size --encoding --compression --speed)
    __gatewayctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--format')
        __gatewayctl_add_completions -W 'pretty'$'\n''jsonl'
        return
        ;;
    '--color')
        __gatewayctl_add_completions -W 'auto'$'\n''always'$'\n''never'
        return
        ;;
    '--event')
        __gatewayctl_add_completions -W 'READY'$'\n''RESUMED'$'\n''GUILD_CREATE'$'\n''GUILD_UPDATE'$'\n''GUILD_DELETE'$'\n''GUILD_MEMBER_ADD'$'\n''GUILD_MEMBER_UPDATE'$'\n''GUILD_MEMBER_REMOVE'$'\n''CHANNEL_CREATE'$'\n''CHANNEL_UPDATE'$'\n''CHANNEL_DELETE'$'\n''THREAD_CREATE'$'\n''MESSAGE_CREATE'$'\n''MESSAGE_UPDATE'$'\n''MESSAGE_DELETE'$'\n''MESSAGE_REACTION_ADD'$'\n''MESSAGE_REACTION_REMOVE'$'\n''TYPING_START'$'\n''PRESENCE_UPDATE'$'\n''VOICE_STATE_UPDATE'$'\n''INTERACTION_CREATE'
        return
        ;;
    '--op')
        return
        ;;
    '--summary-format')
        __gatewayctl_add_completions -W 'pretty'$'\n''json'
        return
        ;;
    '--chunk-size')
        return
        ;;
    '--encoding')
        __gatewayctl_add_completions -W 'json'$'\n''etf'
        return
        ;;
    '--compression')
        __gatewayctl_add_completions -W 'none'$'\n''zlib-stream'$'\n''zstd-stream'$'\n''payload'
        return
        ;;
    '--speed')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __gatewayctl_add_completions -f
        return
        ;;
    esac
}

_gatewayctl_decode() {
    repeating_flags=()
    non_repeating_flags=(--base64 -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--file --as --format --color)
    __gatewayctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--file')
        __gatewayctl_add_completions -f
        return
        ;;
    '--as')
        __gatewayctl_add_completions -W 'auto'$'\n''frames'$'\n''zlib-stream'$'\n''zlib'$'\n''zstd'$'\n''etf'$'\n''json'
        return
        ;;
    '--format')
        __gatewayctl_add_completions -W 'pretty'$'\n''jsonl'
        return
        ;;
    '--color')
        __gatewayctl_add_completions -W 'auto'$'\n''always'$'\n''never'
        return
        ;;
    esac
}

_gatewayctl_handshake() {
    repeating_flags=()
    non_repeating_flags=(--print -v --verbose --version -h --help)
    repeating_options=(--header)
    non_repeating_options=(--check --key --encoding --compression --api-version --ca-file --timeout --format --color)
    __gatewayctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--check')
        __gatewayctl_add_completions -f
        return
        ;;
    '--key')
        return
        ;;
    '--encoding')
        __gatewayctl_add_completions -W 'json'$'\n''etf'
        return
        ;;
    '--compression')
        __gatewayctl_add_completions -W 'none'$'\n''zlib-stream'$'\n''zstd-stream'$'\n''payload'
        return
        ;;
    '--api-version')
        return
        ;;
    '--header')
        return
        ;;
    '--ca-file')
        __gatewayctl_add_completions -f
        return
        ;;
    '--timeout')
        return
        ;;
    '--format')
        __gatewayctl_add_completions -W 'pretty'$'\n''jsonl'
        return
        ;;
    '--color')
        __gatewayctl_add_completions -W 'auto'$'\n''always'$'\n''never'
        return
        ;;
    esac
}

_gatewayctl_serve() {
    repeating_flags=()
    non_repeating_flags=(--list-scenarios --tls -v --verbose --frames --no-frames --version -h --help)
    repeating_options=(--scenario --script --event --op)
    non_repeating_options=(--host --port --bots --timeout --heartbeat-interval --capture --speed --cert --key --record --format --color)
    __gatewayctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--host')
        return
        ;;
    '--port')
        return
        ;;
    '--scenario')
        __gatewayctl_add_completions -W 'all'$'\n''normal'$'\n''server-heartbeat'$'\n''reconnect'$'\n''invalid-session-resumable'$'\n''invalid-session'$'\n''large-ready'$'\n''slow-hello'$'\n''rate-limit'$'\n''zombie'$'\n''drop'$'\n''close-4000'$'\n''close-4001'$'\n''close-4002'$'\n''close-4003'$'\n''close-4005'$'\n''close-4007'$'\n''close-4008'$'\n''close-4009'$'\n''close-4004'$'\n''close-4010'$'\n''close-4011'$'\n''close-4012'$'\n''close-4013'$'\n''close-4014'
        return
        ;;
    '--script')
        __gatewayctl_add_completions -f
        return
        ;;
    '--bots')
        return
        ;;
    '--timeout')
        return
        ;;
    '--heartbeat-interval')
        return
        ;;
    '--capture')
        __gatewayctl_add_completions -f
        return
        ;;
    '--speed')
        return
        ;;
    '--cert')
        __gatewayctl_add_completions -f
        return
        ;;
    '--key')
        __gatewayctl_add_completions -f
        return
        ;;
    '--record')
        __gatewayctl_add_completions -f
        return
        ;;
    '--format')
        __gatewayctl_add_completions -W 'pretty'$'\n''jsonl'
        return
        ;;
    '--color')
        __gatewayctl_add_completions -W 'auto'$'\n''always'$'\n''never'
        return
        ;;
    '--event')
        __gatewayctl_add_completions -W 'READY'$'\n''RESUMED'$'\n''GUILD_CREATE'$'\n''GUILD_UPDATE'$'\n''GUILD_DELETE'$'\n''GUILD_MEMBER_ADD'$'\n''GUILD_MEMBER_UPDATE'$'\n''GUILD_MEMBER_REMOVE'$'\n''CHANNEL_CREATE'$'\n''CHANNEL_UPDATE'$'\n''CHANNEL_DELETE'$'\n''THREAD_CREATE'$'\n''MESSAGE_CREATE'$'\n''MESSAGE_UPDATE'$'\n''MESSAGE_DELETE'$'\n''MESSAGE_REACTION_ADD'$'\n''MESSAGE_REACTION_REMOVE'$'\n''TYPING_START'$'\n''PRESENCE_UPDATE'$'\n''VOICE_STATE_UPDATE'$'\n''INTERACTION_CREATE'
        return
        ;;
    '--op')
        return
        ;;
    esac
}

_gatewayctl_proxy() {
    repeating_flags=()
    non_repeating_flags=(-v --verbose --frames --no-frames --version -h --help)
    repeating_options=(--inject --event --op)
    non_repeating_options=(--host --port --upstream --ca-file --record --timeout --format --color)
    __gatewayctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--host')
        return
        ;;
    '--port')
        return
        ;;
    '--upstream')
        return
        ;;
    '--ca-file')
        __gatewayctl_add_completions -f
        return
        ;;
    '--inject')
        return
        ;;
    '--record')
        __gatewayctl_add_completions -f
        return
        ;;
    '--timeout')
        return
        ;;
    '--format')
        __gatewayctl_add_completions -W 'pretty'$'\n''jsonl'
        return
        ;;
    '--color')
        __gatewayctl_add_completions -W 'auto'$'\n''always'$'\n''never'
        return
        ;;
    '--event')
        __gatewayctl_add_completions -W 'READY'$'\n''RESUMED'$'\n''GUILD_CREATE'$'\n''GUILD_UPDATE'$'\n''GUILD_DELETE'$'\n''GUILD_MEMBER_ADD'$'\n''GUILD_MEMBER_UPDATE'$'\n''GUILD_MEMBER_REMOVE'$'\n''CHANNEL_CREATE'$'\n''CHANNEL_UPDATE'$'\n''CHANNEL_DELETE'$'\n''THREAD_CREATE'$'\n''MESSAGE_CREATE'$'\n''MESSAGE_UPDATE'$'\n''MESSAGE_DELETE'$'\n''MESSAGE_REACTION_ADD'$'\n''MESSAGE_REACTION_REMOVE'$'\n''TYPING_START'$'\n''PRESENCE_UPDATE'$'\n''VOICE_STATE_UPDATE'$'\n''INTERACTION_CREATE'
        return
        ;;
    '--op')
        return
        ;;
    esac
}

_gatewayctl_export() {
    repeating_flags=()
    non_repeating_flags=(--force --no-handshake --upstream --version -h --help)
    repeating_options=()
    non_repeating_options=(--pcapng --har --keylog --encoding --compression)
    __gatewayctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--pcapng')
        __gatewayctl_add_completions -f
        return
        ;;
    '--har')
        __gatewayctl_add_completions -f
        return
        ;;
    '--keylog')
        __gatewayctl_add_completions -f
        return
        ;;
    '--encoding')
        __gatewayctl_add_completions -W 'json'$'\n''etf'
        return
        ;;
    '--compression')
        __gatewayctl_add_completions -W 'none'$'\n''zlib-stream'$'\n''zstd-stream'$'\n''payload'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __gatewayctl_add_completions -f
        return
        ;;
    esac
}

_gatewayctl_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __gatewayctl_offer_flags_options -1
}

complete -o filenames -F _gatewayctl gatewayctl
