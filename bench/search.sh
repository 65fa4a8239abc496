#!/bin/sh
# `oomkb search expandable` against `grep -in expandable kb/oom-memory.md`, whole processes,
# side by side in one hyperfine run; and the time to compile the default KB.
# Target: oomkb's median at most 1.5x grep's (the goal: 1.0x, as fast as grep scans);
# compiling the KB under 100 ms.
set -eu
bin=${1:-build/debug/oomkb}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
need hyperfine
need node nodejs
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
hyperfine -N --warmup 50 --runs 500 --export-json "$out/search.json" \
    "$bin search expandable" "grep -in expandable kb/oom-memory.md" >"$out/search.txt" 2>&1 ||
    { cat "$out/search.txt"; exit 1; }
s=$(median_ms "$out/search.json" 0)
g=$(median_ms "$out/search.json" 1)
echo "search: oomkb ${s} ms, grep ${g} ms (medians of 500) -> ratio $(echo "$s $g" | awk '{printf "%.2f", $1/$2}')x (target <= 1.5x, goal 1.0x)"
hyperfine -N --warmup 3 --runs 30 --export-json "$out/build.json" \
    "$bin build -o $out/kb.sqlite kb/oom-memory.md kb/synonyms.tsv kb/links.tsv" >"$out/build.txt" 2>&1 ||
    { cat "$out/build.txt"; exit 1; }
echo "build: compiling kb/oom-memory.md takes $(median_ms "$out/build.json" 0) ms (median of 30; target < 100 ms)"
