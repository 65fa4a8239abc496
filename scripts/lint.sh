#!/bin/sh
# `make lint`: the static checks of the house style, over every C file of the project (never
# grammars/, which is fetched): clang-format 14 (the tree must already be formatted: `make
# format` fixes it), clang-tidy 14 with .clang-tidy, and cppcheck. Installs the three tools
# with apt-get when missing (as root). Prints each finding; exits 1 if there is any.
#
# usage: scripts/lint.sh CFLAGS...   (the flags the project compiles with, for clang-tidy)
set -eu
cd "$(dirname "$0")/.."
. scripts/need.sh
need clang-format-14 clang-format-14
need clang-tidy-14 clang-tidy-14
need cppcheck

files=$(git ls-files '*.c' '*.h' | grep -v '^grammars/')
sources=$(git ls-files 'common/*.c' 'kb/*.c' 'linter/*.c' 'server/*.c' 'lsp/*.c' 'cli/*.c')
status=0

echo "lint: clang-format" >&2
unformatted=""
for f in $files; do
    clang-format-14 --dry-run --Werror "$f" >/dev/null 2>&1 || unformatted="$unformatted $f"
done
if [ -n "$unformatted" ]; then
    echo "lint: not formatted (run make format):$unformatted"
    status=1
fi

echo "lint: clang-tidy ($(echo "$sources" | wc -w) files)" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# One process per core; --quiet drops the "N warnings generated" lines (system headers).
OOMKB_CFLAGS="$*"
export OOMKB_CFLAGS
# shellcheck disable=SC2016 # expanded by the inner shell
echo "$sources" | xargs -P "$(nproc)" -n 4 sh -c 'clang-tidy-14 --quiet "$@" -- $OOMKB_CFLAGS' sh \
    >"$log" 2>/dev/null || true
# Findings, less the functions scripts/lint-complexity.txt lets stay over the complexity
# threshold (at or under their recorded figure).
findings=$(grep -E '(warning|error):' "$log" | sed "s|^$(pwd)/||; s|^\./||" |
    awk 'NR == FNR { if ($1 !~ /^#/) max[$1 " " $2] = $3; next }
         /cognitive complexity of/ {
             split($0, f, ":"); name = $0; sub(/^[^\x27]*\x27/, "", name); sub(/\x27.*/, "", name)
             n = $0; sub(/.*complexity of /, "", n); sub(/ .*/, "", n)
             if ((f[1] " " name) in max && n + 0 <= max[f[1] " " name] + 0) next
         }
         { print }' scripts/lint-complexity.txt -)
if [ -n "$findings" ]; then
    echo "$findings"
    echo "lint: clang-tidy: $(echo "$findings" | wc -l) findings (details: clang-tidy-14 FILE -- $*)"
    status=1
fi

echo "lint: cppcheck" >&2
# --inline-suppr: a finding judged wrong is silenced where it occurs, with the reason.
cppcheck --quiet --error-exitcode=1 --inline-suppr --enable=warning,performance,portability \
    -I. common kb linter server lsp cli || status=1

[ "$status" = 0 ] && echo "lint: clean"
exit "$status"
