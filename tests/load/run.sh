#!/bin/sh
# `make load-test`: the server under load and faults, loopback only, each script bounded in
# time (soak ~65 s, slow clients ~15 s, hostile requests ~40 s, restart ~20 s on 2 cores).
# Prints every check, then one closing "N passed, N failed" over all of them; the figures are
# also written to build/load/figures.txt. Exits non-zero when any check failed.
# Usage: tests/load/run.sh [path/to/oomkb] [soak slow hostile restart]
set -u
dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$dir/../.." && pwd)
bin=${1:-$root/build/debug/oomkb}
[ $# -gt 0 ] && shift
scripts=${*:-soak slow hostile restart}
mkdir -p "$root/build/load"
FIGURES="$root/build/load/figures.txt" && export FIGURES
: >"$FIGURES"
passed=0
failed=0
for s in $scripts; do
    echo "== $s"
    out=$(timeout -k 10 600 "$dir/$s.sh" "$bin" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -v '^[0-9]* passed, [0-9]* failed$'
    p=$(printf '%s\n' "$out" | grep -c '^ok - ' || true)
    f=$(printf '%s\n' "$out" | grep -c '^FAIL - ' || true)
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL - $s: the script stopped with status $rc"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
