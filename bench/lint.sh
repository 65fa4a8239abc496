#!/bin/sh
# Benchmarks `oomkb lint` against ast-grep (four YAML rules approximating OOM101-OOM104) and
# against bare tree-sitter parsing, on two corpora: CPython's standard library as installed
# (without site-packages) and PyTorch's Python sources (Debian's python3-torch, unpacked, not
# installed). Whole processes, timed by hyperfine; medians and ratios printed at the end.
#
# Usage: bench/lint.sh [OOMKB_BIN]   (default build/debug/oomkb; run from the repository root)
# Environment: BENCH_DIR (scratch, default /tmp/oomkb-bench), RUNS (default 5).
# Needs (installed when missing, as root): hyperfine, python3 (its stdlib is a corpus), npm (for
# @ast-grep/cli); apt-get + dpkg.
set -eu
OOMKB=${1:-build/debug/oomkb}
BENCH_DIR=${BENCH_DIR:-/tmp/oomkb-bench}
RUNS=${RUNS:-5}
MODE_DIR=$(dirname "$OOMKB")
mkdir -p "$BENCH_DIR"

. "$(dirname "$0")/../scripts/need.sh"
need hyperfine
need python3
need npm
[ -x "$OOMKB" ] || { echo "bench/lint.sh: build $OOMKB first (make)" >&2; exit 2; }

# ---- corpora ----
STDLIB=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
find "$STDLIB" -name '*.py' -not -path '*/site-packages/*' -not -path '*/__pycache__/*' | sort >"$BENCH_DIR/stdlib.list"
TORCH=$(find "$BENCH_DIR/torch" -type d -path '*dist-packages/torch' 2>/dev/null | head -n 1 || true)
if [ -z "$TORCH" ]; then
    echo "bench: fetching python3-torch (apt-get download) into $BENCH_DIR/torch" >&2
    mkdir -p "$BENCH_DIR/torch"
    (cd "$BENCH_DIR/torch" && apt-get download python3-torch >/dev/null && dpkg -x python3-torch_*.deb root)
    TORCH=$(find "$BENCH_DIR/torch" -type d -path '*dist-packages/torch' | head -n 1)
fi
find "$TORCH" -name '*.py' | sort >"$BENCH_DIR/torch.list"

# ---- tools ----
SG="$BENCH_DIR/astgrep/node_modules/.bin/ast-grep"
if [ ! -x "$SG" ]; then
    echo "bench: installing @ast-grep/cli into $BENCH_DIR/astgrep" >&2
    mkdir -p "$BENCH_DIR/astgrep"
    (cd "$BENCH_DIR/astgrep" && npm i --silent @ast-grep/cli >/dev/null)
fi
PARSE="$BENCH_DIR/lint_parse"
# The linter's objects for the sources there are now (a stale object of a removed file would
# clash), linked into the bare parse-and-flatten baseline.
LINT_OBJS=$(for f in linter/*.c linter/rules/*.c; do printf '%s ' "$MODE_DIR/obj/${f%.c}.o"; done)
# shellcheck disable=SC2086 # a list of paths without spaces
# The linter links the kb module (entry links) and the TOML grammar (configuration) too.
KB_OBJS=$(for f in "$MODE_DIR"/obj/kb/*.o; do [ "${f##*/}" = kbc_main.o ] || printf '%s ' "$f"; done)
COMMON_OBJS=$(for f in common/*.c; do printf '%s ' "$MODE_DIR/obj/${f%.c}.o"; done)
cc -O2 -std=c11 -D_GNU_SOURCE -I. -Igrammars/tree-sitter-python/src bench/lint_parse.c \
    $LINT_OBJS $KB_OBJS $COMMON_OBJS "$MODE_DIR"/grammar/*.o \
    "$MODE_DIR"/grammar/toml/*.o \
    $(pkg-config --libs tree-sitter jansson libcmark sqlite3 zlib) -lpthread -lm -o "$PARSE"

# The closest ast-grep equivalents of the four rules (no dataflow, no cross-file facts).
RULES="$BENCH_DIR/sg"
mkdir -p "$RULES/rules"
cat >"$RULES/sgconfig.yml" <<'YML'
ruleDirs: [rules]
YML
cat >"$RULES/rules/oom101.yml" <<'YML'
id: oom101
language: python
severity: warning
message: loss tensor kept across steps
rule:
  any:
    - pattern: $L.append(loss)
    - pattern: $A += loss
  inside:
    kind: for_statement
    stopBy: end
    has: { pattern: $X.backward($$$), stopBy: end }
YML
cat >"$RULES/rules/oom102.yml" <<'YML'
id: oom102
language: python
severity: warning
message: empty_cache every step
rule:
  pattern: torch.cuda.empty_cache()
  inside:
    kind: for_statement
    stopBy: end
    has: { pattern: $X.backward($$$), stopBy: end }
  not: { inside: { kind: except_clause, stopBy: end } }
YML
cat >"$RULES/rules/oom103.yml" <<'YML'
id: oom103
language: python
severity: warning
message: eval predictions accumulate on the GPU
rule:
  pattern: TrainingArguments($$$)
  has: { kind: keyword_argument, regex: '^eval(uation)?_strategy', stopBy: end }
  not: { has: { kind: keyword_argument, regex: '^eval_accumulation_steps', stopBy: end } }
YML
cat >"$RULES/rules/oom104.yml" <<'YML'
id: oom104
language: python
severity: warning
message: reentrant checkpoint
rule:
  pattern: checkpoint($$$)
  not: { has: { kind: keyword_argument, regex: '^use_reentrant', stopBy: end } }
YML

# ---- runs ----
for corpus in stdlib torch; do
    list="$BENCH_DIR/$corpus.list"
    n=$(wc -l <"$list")
    mb=$(xargs -a "$list" -d '\n' cat | wc -c | awk '{printf "%.1f", $1/1048576}')
    np=$(xargs -a "$list" -d '\n' "$PARSE" --prefiltered)
    echo "== $corpus: $n files, $mb MB; $np pass the prefilter and are parsed by oomkb"
    hyperfine -N -i -w 1 -r "$RUNS" --export-json "$BENCH_DIR/$corpus.json" \
        -n "oomkb -j1" "xargs -a $list -d '\n' $OOMKB lint -j 1" \
        -n "oomkb -j2" "xargs -a $list -d '\n' $OOMKB lint -j 2" \
        -n "ast-grep -j1" "xargs -a $list -d '\n' $SG scan -c $RULES/sgconfig.yml -j 1" \
        -n "parse all" "xargs -a $list -d '\n' $PARSE" \
        -n "parse prefiltered" "xargs -a $list -d '\n' $PARSE --prefiltered" >/dev/null
    for j in 1 2; do
        xargs -a "$list" -d '\n' /usr/bin/time -f "%M" -o "$BENCH_DIR/mem" "$OOMKB" lint -j $j >/dev/null 2>&1 || true
        echo "   peak RSS oomkb -j$j: $(tail -n 1 "$BENCH_DIR/mem") KB"
    done
    python3 - "$BENCH_DIR/$corpus.json" <<'PY'
import json, statistics, sys
res = {r["command"]: statistics.median(r["times"]) for r in json.load(open(sys.argv[1]))["results"]}
for k, v in res.items():
    print(f"   {k:18s} median {v:7.3f} s")
o1, o2, sg = res["oomkb -j1"], res["oomkb -j2"], res["ast-grep -j1"]
print(f"   ast-grep / oomkb -j1       = {sg / o1:5.2f}x")
print(f"   parse all / oomkb -j1      = {res['parse all'] / o1:5.2f}x")
print(f"   oomkb -j1 / parse prefilt. = {o1 / res['parse prefiltered']:5.2f} (<= 1.30 wanted)")
print(f"   oomkb -j1 / oomkb -j2      = {o1 / o2:5.2f}x speed-up")
PY
done
