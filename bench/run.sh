#!/bin/sh
# Runs every benchmark in bench/ (bench/*.sh but this one) against the given oomkb binary.
# Benchmarks compare oomkb with a named peer side by side in one run and print ratios;
# they are never part of `make test`.
set -eu
bin=${1:-build/debug/oomkb}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for b in "$here"/*.sh; do
    [ "$(basename "$b")" = run.sh ] && continue
    echo "== $(basename "$b")"
    sh "$b" "$bin" || status=1
done
exit $status
