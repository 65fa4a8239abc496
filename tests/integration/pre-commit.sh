#!/bin/sh
# A real pre-commit (Debian's) in a throwaway git repository whose .pre-commit-config.yaml
# points at this repository (a local path and a commit, so no network): the first run builds
# oomkb in pre-commit's clone, quietly; a bad script blocks the commit with the finding shown;
# the fixed script commits; noqa comments and hook args are respected. Then `make install`
# into a staging DESTDIR and into a PREFIX on PATH, and the oomkb-lint-system hook runs that
# installed binary without building anything.
# Tests the committed HEAD: pre-commit checks out the rev it is given.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
need git git
need pre-commit pre-commit
rev=$(git -C "$repo" rev-parse HEAD)
work=$(mktemp -d)
export PRE_COMMIT_HOME="$work/cache"
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir proj
cd proj
git init -q .
git config user.email ci@example.invalid
git config user.name ci
git config commit.gpgsign false
write_config() {
    cat >.pre-commit-config.yaml <<YAML
repos:
  - repo: $repo
    rev: $rev
    hooks:
      - id: oomkb-lint
$1
YAML
    git add .pre-commit-config.yaml
}
# Commits with message $1 as a user would: $out gets what pre-commit printed, $rc the status.
try_commit() {
    set +e
    out=$(git commit -qm "$1" 2>&1)
    rc=$?
    set -e
}
write_config ""
pre-commit install >/dev/null
cat >train.py <<'PY'
losses = []
for batch in loader:
    loss = criterion(model(batch), batch.y)
    loss.backward()
    optimizer.step()
    losses.append(loss)
PY
git add train.py
try_commit "bad"
echo "$out" | tail -n 5 | sed 's/^/  pre-commit: /'
check "a finding blocks the commit" test "$rc" -ne 0
check "the first run says it builds once" contains "$out" "oomkb: building the linter once"
check "the first run shows no compiler command lines" sh -c '! printf "%s" "$1" | grep -qE "(^| )(cc|gcc|clang[-0-9]*) .*-c |-Werror|-MMD"' sh "$out"
check "the first run ends with the summary" contains "$out" "Found 1 finding (1 fixable with --fix)."
check "the finding is shown as path:line:col: CODE message [ENTRY]" contains "$out" "train.py:6:19: OOM101"
check "it names the entry" contains "$out" "[M20]"
check "nothing was committed" test -z "$(git rev-parse -q --verify HEAD || true)"

sed -i 's/losses.append(loss)/losses.append(loss.item())/' train.py
git add train.py
check "the fixed script commits" git commit -qm "fixed"

cat >step.py <<'PY'
import torch
for batch in loader:
    loss = model(batch).sum()
    loss.backward()
    optimizer.step()
    torch.cuda.empty_cache()
PY
git add step.py
try_commit "cache"
check "OOM102 blocks the commit" test "$rc" -ne 0
check "OOM102 is reported" contains "$out" "step.py:6:5: OOM102"
sed -i 's/torch.cuda.empty_cache()/torch.cuda.empty_cache()  # noqa: OOM102/' step.py
git add step.py
check "a noqa comment lets it commit" git commit -qm "noqa"

write_config "        args: [--ignore, OOM102]"
cat >step2.py <<'PY'
import torch
for batch in loader:
    loss = model(batch).sum()
    loss.backward()
    optimizer.step()
    torch.cuda.empty_cache()
PY
git add step2.py
check "args: [--ignore, OOM102] from the config are respected" git commit -qm "ignored"
# A config file's excludes apply to the files pre-commit names (the hook passes
# --force-exclude), and its per-file-ignores too; other files are still linted.
write_config ""
cat >pyproject.toml <<'TOML'
[project]
name = "proj"

[tool.oomkb]
extend-exclude = ["legacy"]

[tool.oomkb.per-file-ignores]
"notebooks/*" = ["OOM101"]
TOML
mkdir -p legacy/deep notebooks
cp train.py legacy/deep/old.py
sed -i 's/losses.append(loss.item())/losses.append(loss)/' legacy/deep/old.py
cp legacy/deep/old.py notebooks/explore.py
git add pyproject.toml legacy notebooks
check "an excluded folder's file and an ignored rule let the commit through" git commit -qm "legacy"
cp legacy/deep/old.py kept.py
git add kept.py
try_commit "kept"
check "a file outside the excludes still blocks the commit" test "$rc" -ne 0
check "it is reported" contains "$out" "kept.py:6:19: OOM101"
check "the excluded file is not" not_contains "$out" "legacy/deep/old.py"
git rm -q --cached kept.py
rm kept.py
sed -i 's/extend-exclude = \["legacy"\]/extend-exclude = ["legacy", "OOM999"]\nselect = ["OOM999"]/' pyproject.toml
echo "# touch" >>notebooks/explore.py
git add pyproject.toml notebooks/explore.py
try_commit "broken config"
check "a broken config blocks the commit" test "$rc" -ne 0
check "its error names file, line and key" contains "$out" "pyproject.toml:6: tool.oomkb.select: unknown rule code"
git checkout -q HEAD -- pyproject.toml notebooks/explore.py

clone=$(ls -d "$PRE_COMMIT_HOME"/repo*/ | head -n 1)
check "the hook script exits 0 when no files are passed" \
    "${clone}scripts/pre-commit-hook.sh" --select OOM101
check "the build log was kept out of the output and in a file" test -s "${clone}build/pre-commit-build.log"

# A run with the binary built runs no make: a make that fails would be noticed.
mkdir -p "$work/nomake"
printf '#!/bin/sh\necho "make ran" >&2\nexit 9\n' >"$work/nomake/make"
chmod +x "$work/nomake/make"
printf 'for b in loader:\n    l = crit(b)\n    l.backward()\n    opt.step()\n    hist.append(l)\n' >again.py
set +e
out=$(PATH="$work/nomake:$PATH" "${clone}scripts/pre-commit-hook.sh" again.py 2>&1)
rc=$?
set -e
check "a later run lints without make" test "$rc" -eq 1
check "... and says so only through findings" contains "$out" "again.py:5:17: OOM101"
check "... no build message" sh -c '! printf "%s" "$1" | grep -q "make ran\|building"' sh "$out"
rm again.py

# make install: DESTDIR and PREFIX as GNU makefiles take them.
make -s -C "$repo" install DESTDIR="$work/stage" PREFIX=/opt/oomkb >/dev/null
check "make install DESTDIR=... PREFIX=/opt/oomkb puts the binary in the staging tree" \
    test -x "$work/stage/opt/oomkb/bin/oomkb"
check "the installed binary prints the version of the VERSION file" \
    test "$("$work/stage/opt/oomkb/bin/oomkb" --version)" = "oomkb $(cat "$repo/VERSION")"
make -s -C "$repo" install PREFIX="$work/prefix" >/dev/null
check "make install PREFIX=... installs bin/oomkb" test -x "$work/prefix/bin/oomkb"

# The system hook: the installed oomkb on PATH, from a fresh pre-commit cache (nothing built).
export PRE_COMMIT_HOME="$work/cache-system"
cat >.pre-commit-config.yaml <<YAML
repos:
  - repo: $repo
    rev: $rev
    hooks:
      - id: oomkb-lint-system
YAML
git add .pre-commit-config.yaml
cat >sys.py <<'PY'
losses = []
for batch in loader:
    loss = criterion(model(batch), batch.y)
    loss.backward()
    optimizer.step()
    losses.append(loss)
PY
git add sys.py
set +e
out=$(PATH="$work/prefix/bin:$PATH" git commit -qm "system hook" 2>&1)
rc=$?
set -e
echo "$out" | tail -n 4 | sed 's/^/  pre-commit (system): /'
check "the system hook blocks the commit" test "$rc" -ne 0
check "the system hook shows the finding" contains "$out" "sys.py:6:19: OOM101"
check "the system hook built nothing" sh -c '! ls -d "$1"/repo*/build >/dev/null 2>&1' sh "$PRE_COMMIT_HOME"
sed -i 's/losses.append(loss)/losses.append(loss.item())/' sys.py
git add sys.py
check "the system hook lets the fixed file commit" env PATH="$work/prefix/bin:$PATH" git commit -qm "system ok"
summary
