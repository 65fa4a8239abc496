#!/bin/sh
# Bundles the web UI's files into one blob that the binary embeds (web/assets.S).
# Format: "oomkb-bundle 1\n", then one "NAME SIZE\n" line per file, a blank line, then
# the files' bytes in the same order. NAME is the file name without its folder.
set -eu
out=$1; shift
tmp="$out.tmp"
{
    echo "oomkb-bundle 1"
    for f in "$@"; do
        printf '%s %s\n' "$(basename "$f")" "$(wc -c <"$f" | tr -d ' ')"
    done
    echo
    for f in "$@"; do cat "$f"; done
} >"$tmp"
mv "$tmp" "$out"
