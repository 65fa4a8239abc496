#!/bin/sh
# A real pre-commit (Debian's) in a throwaway git repository whose .pre-commit-config.yaml
# points at this repository (a local path and a commit, so no network): the first run builds
# oomkb in pre-commit's clone; a bad script blocks the commit with the finding shown; the
# fixed script commits; noqa comments and hook args are respected.
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

check "the hook script exits 0 when no files are passed" \
    "$(ls -d "$PRE_COMMIT_HOME"/repo*/ | head -n 1)scripts/pre-commit-hook.sh" --select OOM101
summary
