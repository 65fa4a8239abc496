#!/bin/sh
# `make load-stress` (not in CI): the whole tests/load suite (soak, slow clients, hostile
# requests, restarts) RUNS times in a row while a CPU hog (`yes > /dev/null`, started and
# stopped here by its pid) keeps one core busy, then RUNS times on a quiet machine. Every run
# must pass. Each run's log and figures go to build/load/stress/; a table of the figures that
# depend on the machine's load (the slowest normal request among 900 slow clients, the
# byte-at-a-time answers, the idle closes, the soak's memory growth, the restarts) is printed
# at the end and written to build/load/stress/summary.txt.
# Usage: tests/load/stress.sh [path/to/oomkb]   (RUNS=5 by default; about 30 minutes)
set -u
dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$dir/../.." && pwd)
bin=$(realpath "${1:-$root/build/debug/oomkb}")
runs=${RUNS:-5}
out="$root/build/load/stress"
rm -rf "$out"
mkdir -p "$out"
hog=""
stop_hog() {
    if [ -n "$hog" ]; then
        kill "$hog" 2>/dev/null || true
        wait "$hog" 2>/dev/null || true
        hog=""
    fi
}
trap 'stop_hog' EXIT
trap 'stop_hog; exit 130' INT TERM

# fig_of FILE SCRIPT KEY: one figure of a run's figures file.
fig_of() { grep "^$2 $3: " "$1" | head -n 1 | sed "s/^$2 $3: //"; }

passed=0
failed=0
for mode in hog quiet; do
    i=1
    while [ "$i" -le "$runs" ]; do
        if [ "$mode" = hog ]; then
            yes >/dev/null &
            hog=$!
        fi
        t0=$(date +%s)
        "$dir/run.sh" "$bin" >"$out/$mode-$i.log" 2>&1
        rc=$?
        secs=$(($(date +%s) - t0))
        load=$(cut -d' ' -f1 /proc/loadavg)
        stop_hog
        cp "$root/build/load/figures.txt" "$out/$mode-$i.figures" 2>/dev/null || : >"$out/$mode-$i.figures"
        f="$out/$mode-$i.figures"
        result=$(tail -n 1 "$out/$mode-$i.log")
        if [ "$rc" -eq 0 ]; then
            passed=$((passed + 1))
            verdict=ok
        else
            failed=$((failed + 1))
            verdict=FAIL
            grep '^FAIL' "$out/$mode-$i.log" | sed 's/^/    /'
        fi
        normal=$(fig_of "$f" slow "normal client" | sed 's/.*max \([0-9.]*\) ms.*/\1/')
        drip=$(fig_of "$f" slow byte-at-a-time | sed 's/^\([0-9]* of [0-9]*\).*at most \([0-9.]*\) ms.*/\1, answer <= \2 ms/')
        idle=$(fig_of "$f" slow "idle closed by the timeout" | sed 's/.*between \([0-9.]*\) s and \([0-9.]*\) s.*/\1-\2 s/')
        growth=$(fig_of "$f" soak VmRSS | sed 's/.*growth \(-*[0-9]*\) kB.*/\1 kB/')
        restart=$(fig_of "$f" restart restarts | sed 's/.*at worst \([0-9]*\) ms.*/\1 ms/')
        line="$mode $i: $verdict ($result) in ${secs} s, load $load | slow: normal max ${normal} ms, drip ${drip}, idle closed ${idle} | soak growth ${growth} | restart worst ${restart}"
        echo "$line" | tee -a "$out/summary.txt"
        i=$((i + 1))
    done
done
echo "load-stress: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
