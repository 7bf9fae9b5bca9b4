#!/usr/bin/env bash
# Regenerates the man page and the shell completions from gatewayctl's
# command definitions (swift-argument-parser):
#   man/gatewayctl.1           --experimental-dump-help + docs/man-sections.man
#   completions/gatewayctl.bash, completions/_gatewayctl, completions/gatewayctl.fish
#                              --generate-completion-script bash|zsh|fish
# Usage: Scripts/generate-docs.sh [OUTPUT_DIR]   (default: the repository)
# Scripts/check-docs.sh runs it into a temporary directory to detect drift.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.}"

if [[ -z "${GATEWAYCTL:-}" ]]; then
    swift build --product gatewayctl >&2
    GATEWAYCTL="$(swift build --show-bin-path)/gatewayctl"
fi

mkdir -p "$out/man" "$out/completions"
"$GATEWAYCTL" --generate-completion-script bash > "$out/completions/gatewayctl.bash"
"$GATEWAYCTL" --generate-completion-script zsh > "$out/completions/_gatewayctl"
"$GATEWAYCTL" --generate-completion-script fish > "$out/completions/gatewayctl.fish"
"$GATEWAYCTL" --experimental-dump-help \
    | python3 Scripts/gen-manpage.py docs/man-sections.man > "$out/man/gatewayctl.1"
echo "wrote $out/man/gatewayctl.1 and $out/completions/{gatewayctl.bash,_gatewayctl,gatewayctl.fish}" >&2
