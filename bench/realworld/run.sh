#!/bin/sh
# Lints real public training repositories at pinned commits and scores `oomkb lint` on them.
# Not part of CI or `make test`: it needs git mirrors of the repositories.
#
# Usage: bench/realworld/run.sh corpus [OOMKB_BIN]   (make eval-realworld)
#        bench/realworld/run.sh wholerepo [OOMKB_BIN] (make eval-wholerepo)
#
# corpus: every repository of bench/realworld/manifest.tsv is exported at its commit (only
# Python sources and launch files: shell scripts, Makefiles, configs, markdown) into
# build/realworld/corpus/src/<owner>+<name>, linted from its root with --format json, and the
# findings are scored against the judged rows (score.py): precision and recall per rule, the
# misses and the false alarms.
# wholerepo: the repositories of bench/realworld/wholerepo.tsv are linted whole the same way;
# a seeded random sample of up to 30 findings per rule is scored against
# bench/realworld/wholerepo-judged.tsv, and sampled findings without a judgment are listed.
# Both print the lint time (s) and peak RSS (MB) of each repository run.
#
# Environment: MIRRORS (default /work/.mirror): a mirror of github.com/OWNER/NAME is expected
# at $MIRRORS/OWNER+NAME/repo (or $MIRRORS/OWNER+NAME) as a bare git directory holding the
# pinned commit. OUT (default build/realworld). JOBS (default 2). SAMPLE (30), SEED (12).
# Missing mirrors are listed with how to get them; their rows are left out of the score.
set -eu
MODE=${1:-}
OOMKB=${2:-build/debug/oomkb}
HERE=$(dirname "$0")
MIRRORS=${MIRRORS:-/work/.mirror}
OUT=${OUT:-build/realworld}
JOBS=${JOBS:-2}
SAMPLE=${SAMPLE:-30}
SEED=${SEED:-12}

case "$MODE" in
corpus) LIST="$HERE/manifest.tsv" ;;
wholerepo) LIST="$HERE/wholerepo.tsv" ;;
*) echo "usage: $0 corpus|wholerepo [OOMKB_BIN]" >&2; exit 2 ;;
esac
[ -x "$OOMKB" ] || { echo "$0: build $OOMKB first (make)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "$0: needs python3" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "$0: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
OOMKB_ABS=$(cd "$(dirname "$OOMKB")" && pwd)/$(basename "$OOMKB")
python3 "$HERE/score.py" selftest || { echo "$0: the scorer fails its self-test" >&2; exit 2; }

DIR="$OUT/$MODE"
rm -rf "$DIR"
mkdir -p "$DIR/src"

# repo<TAB>commit pairs, one per repository, in a stable order
awk -F'\t' '!/^#/ && $1 != "repo" && NF >= 2 { print $1 "\t" $2 }' "$LIST" | sort -u >"$DIR/repos.tsv"
if [ "$(cut -f1 "$DIR/repos.tsv" | uniq -d | head -n 1)" ]; then
    echo "$0: $LIST pins more than one commit for $(cut -f1 "$DIR/repos.tsv" | uniq -d | head -n 1)" >&2
    exit 2
fi

missing=0
printf '%-40s %8s %9s %8s\n' repository "time(s)" "peak(MB)" findings
while IFS="$(printf '\t')" read -r repo commit; do
    key=$(echo "$repo" | tr / +)
    mirror="$MIRRORS/$key/repo"
    [ -d "$mirror" ] || mirror="$MIRRORS/$key"
    if ! git -C "$mirror" cat-file -e "$commit^{commit}" 2>/dev/null; then
        echo "missing: $repo at $commit (no mirror at $MIRRORS/$key);" \
            "get one with: git clone --mirror https://github.com/$repo $MIRRORS/$key" >&2
        missing=$((missing + 1))
        continue
    fi
    python3 "$HERE/export.py" "$mirror" "$commit" "$DIR/src/$key" 2>/dev/null
    # a checkout's root: project facts (DDP evidence, imports) stop here, not in an enclosing tree
    mkdir -p "$DIR/src/$key/.git"
    echo "$commit" >"$DIR/$key.commit"
    (cd "$DIR/src/$key" && /usr/bin/time -f '%e %M' -o ../../"$key.time" \
        "$OOMKB_ABS" lint --select ALL --format json --exit-zero -j "$JOBS" . >../../"$key.json" 2>../../"$key.err") || {
        echo "$0: oomkb lint failed on $repo (see $DIR/$key.err)" >&2
    }
    python3 - "$DIR/$key.json" "$DIR/$key.time" "$repo" <<'PY'
import json, sys
findings = len(json.load(open(sys.argv[1])))
secs, kb = open(sys.argv[2]).read().split()[-2:]
print("%-40s %8.2f %9.1f %8d" % (sys.argv[3], float(secs), int(kb) / 1024, findings))
PY
done <"$DIR/repos.tsv"
[ "$missing" -eq 0 ] || echo "$missing repositories missing: their rows are not scored" >&2
echo

if [ "$MODE" = corpus ]; then
    python3 "$HERE/score.py" corpus "$HERE/manifest.tsv" "$DIR"
else
    python3 "$HERE/score.py" sample "$HERE/wholerepo-judged.tsv" "$DIR" "$SAMPLE" "$SEED"
fi
# a score over part of the corpus is not the corpus's score
[ "$missing" -eq 0 ] || { echo "$0: $missing repositories were missing (listed above)" >&2; exit 1; }
