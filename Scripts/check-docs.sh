#!/usr/bin/env bash
# Checks the generated docs: the committed man page and completions match the
# command definitions (regenerated into a temporary directory and diffed),
# the man page lints clean and lists every exit status, and each completion
# script loads in its shell and completes the subcommands and `connect --comp`.
# Also runs the README's install commands into a temporary prefix.
# Installs groff, bash, zsh and fish with apt-get when missing (CI runs as root).
set -euo pipefail
cd "$(dirname "$0")/.."

need() { # need COMMAND PACKAGE
    command -v "$1" > /dev/null && return
    apt-get install -y "$2" > /dev/null 2>&1 || { apt-get update > /dev/null && apt-get install -y "$2" > /dev/null; }
}
need groff groff
need zsh zsh
need fish fish

swift build --product gatewayctl >&2
bin="$(swift build --show-bin-path)"
export GATEWAYCTL="$bin/gatewayctl"
export PATH="$bin:$PATH"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "check-docs: FAIL: $*" >&2; failures=$((failures + 1)); }

# 1. Drift: regenerate and compare with the committed files.
bash Scripts/generate-docs.sh "$tmp/gen" 2> /dev/null
for file in man/gatewayctl.1 completions/gatewayctl.bash completions/_gatewayctl completions/gatewayctl.fish; do
    if ! diff -u "$file" "$tmp/gen/$file" > "$tmp/diff"; then
        head -40 "$tmp/diff" >&2
        fail "$file is out of date with the command definitions: run Scripts/generate-docs.sh and commit"
    fi
done

# 2. The man page renders with no warnings and documents every exit status.
lint="$(groff -ww -z -man man/gatewayctl.1 2>&1)"
[[ -z "$lint" ]] || fail "groff warnings in man/gatewayctl.1: $lint"
if command -v mandoc > /dev/null; then
    lint="$(mandoc -T lint -W warning man/gatewayctl.1 2>&1 || true)"
    [[ -z "$lint" ]] || fail "mandoc warnings in man/gatewayctl.1: $lint"
fi
for status in $(sed -n 's/^ *case [A-Za-z]* = \([0-9]*\)$/\1/p' Sources/GatewayCLI/ExitStatus/ProcessExitStatus.swift); do
    sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' man/gatewayctl.1 | grep -qx "\.B $status" \
        || fail "exit status $status (Sources/GatewayCLI/ExitStatus/ProcessExitStatus.swift) is not in the man page's EXIT STATUS"
    grep -q "^| $status |" README.md \
        || fail "exit status $status (Sources/GatewayCLI/ExitStatus/ProcessExitStatus.swift) is not in the README's exit codes table"
done

# 3. Each completion script loads in its shell and completes.
subcommands="connect decode handshake replay serve"
expect() { # expect SHELL WHAT OUTPUT WORD...
    local shell="$1" what="$2" output="$3"; shift 3
    for word in "$@"; do
        grep -qx -- "$word" <<< "$output" || fail "$shell: completing '$what' does not offer $word (got: $(tr '\n' ' ' <<< "$output"))"
    done
}

bash_complete() { # bash_complete WORD... (the last one is being completed)
    bash --norc --noprofile -c '
        source completions/gatewayctl.bash
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        func="$(complete -p gatewayctl | sed -n "s/.*-F \([^ ]*\) .*/\1/p")"
        "$func" gatewayctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}"' bash "$@" 2>&1
}
expect bash "gatewayctl " "$(bash_complete gatewayctl '')" $subcommands
expect bash "gatewayctl connect --comp" "$(bash_complete gatewayctl connect --comp)" --compression

fish_complete() { fish --no-config -c "source completions/gatewayctl.fish; complete -C '$1'" 2>&1 | cut -f1; }
expect fish "gatewayctl " "$(fish_complete 'gatewayctl ')" $subcommands
expect fish "gatewayctl connect --comp" "$(fish_complete 'gatewayctl connect --comp')" --compression

# zsh: completing needs a line editor; drive an interactive zsh through zpty,
# press TAB, and read the screen (a list of candidates, or the completed line).
cat > "$tmp/complete.zsh" <<'ZSH'
zmodload zsh/zpty
zpty z "zsh -f -i"
zpty -w z "PS1='' RPROMPT=''; fpath=($PWD/completions \$fpath); autoload -U compinit; compinit -u -D; zstyle ':completion:*' menu no; LISTMAX=10000"
zpty -w z "echo READY\$((1+1))"
zpty -r -m z out "*READY2*"
zpty -w -n z "$1"$'\t'
sleep 2
while zpty -r -t z line; do print -rn -- "$line"; done
zpty -d z
ZSH
zsh_complete() { # the screen after TAB, one line per row, escape sequences removed
    timeout 30 zsh -f "$tmp/complete.zsh" "$1" 2>&1 | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' | tr '\r' '\n'
}
load="$(zsh -f -c 'fpath=(completions $fpath); autoload -U compinit; compinit -u -D; source completions/_gatewayctl' 2>&1)"
[[ -z "$load" ]] || fail "zsh: completions/_gatewayctl does not load cleanly: $load"
expect zsh "gatewayctl " "$(zsh_complete 'gatewayctl ' | sed -n 's/^\([a-z]*\)  *-- .*/\1/p')" $subcommands
# The line completed in place, or (the URL argument being a candidate too) the one option listed.
grep -qE -- '^(gatewayctl connect )?--compression( |$)' <<< "$(zsh_complete 'gatewayctl connect --comp')" \
    || fail "zsh: completing 'gatewayctl connect --comp' does not give --compression"

# 4. The README's install commands work (into a temporary prefix, with the
#    debug build already made above instead of a release build).
sed -n '/^## Install/,/^```$/{/^```sh$/,/^```$/p}' README.md | grep -v '^```' \
    | sed -e 's/ -c release//' -e "s|^PREFIX=.*|PREFIX='$tmp/prefix'|" > "$tmp/install.sh"
if ! bash -euo pipefail "$tmp/install.sh" > "$tmp/install.log" 2>&1; then
    fail "README install commands failed: $(cat "$tmp/install.log")"
else
    "$tmp/prefix/bin/gatewayctl" --version > /dev/null || fail "installed gatewayctl does not run"
    [[ "$(MANPATH="$tmp/prefix/share/man" man -w gatewayctl 2>&1)" == "$tmp/prefix/share/man/man1/gatewayctl.1" ]] \
        || fail "man cannot find the installed page"
    for file in share/bash-completion/completions/gatewayctl share/zsh/site-functions/_gatewayctl \
        share/fish/vendor_completions.d/gatewayctl.fish; do
        [[ -s "$tmp/prefix/$file" ]] || fail "README install did not install $file"
    done
fi

if ((failures)); then
    echo "check-docs: $failures failure(s)" >&2
    exit 1
fi
echo "check-docs: man page and completions are current, lint clean, and complete in bash, zsh and fish; README install works"
