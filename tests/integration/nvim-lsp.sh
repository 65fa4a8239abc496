#!/bin/sh
# A real editor: Neovim (Debian) runs headless with the README's set-up
# (editors/nvim-oomkb.lua) attaching its built-in LSP client to `oomkb lsp`, opens training
# scripts of a project, and what Neovim received is checked: codes, lines, columns and hrefs,
# including OOM104 where DDP is set up in another file; one server for the two files of the
# project and a second one for a nested project; :OomkbFixAll (source.fixAll.oomkb) applied;
# a pull-diagnostics request answered.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
need nvim neovim
bin="$repo/${OOMKB_BIN:-build/debug/oomkb}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/.git"
cat >"$work/train.py" <<'PY'
import torch
from torch.nn.parallel import DistributedDataParallel as DDP
from model import Net

model = DDP(Net().cuda())
losses = []
for batch in loader:
    loss = criterion(model(batch), batch.y)
    loss.backward()
    optimizer.step()
    losses.append(loss)
PY
cat >"$work/model.py" <<'PY'
import torch
from torch.utils.checkpoint import checkpoint


class Net(torch.nn.Module):
    def forward(self, x):
        return checkpoint(self.block, x)
PY
mkdir -p "$work/tools"
cat >"$work/tools/pyproject.toml" <<'TOML'
[project]
name = "tools"
TOML
cat >"$work/tools/bench.py" <<'PY'
import torch

for x, y in loader:
    loss = crit(model(x), y)
    loss.backward()
    opt.step()
    torch.cuda.empty_cache()
PY
OOMKB_BIN=$bin OOMKB_ROOT=$work OOMKB_OUT=$work/diags.txt OOMKB_CONFIG=$repo/editors/nvim-oomkb.lua \
    OOMKB_FILES="train.py model.py tools/bench.py" \
    timeout 180 nvim --headless -u NONE -c "luafile $here/nvim-lsp.lua" >/dev/null 2>&1 || true
got=$(cat "$work/diags.txt" 2>/dev/null || echo "(no output from Neovim)")
echo "$got" | sed 's/^/  nvim: /'
check "OOM101 on losses.append(loss), line 11 col 18, href to M20" \
    contains "$got" "train.py 10:18 OOM101 http://kb.test/M20"
check "OOM104 in model.py from the DDP set-up in train.py, href to M7" \
    contains "$got" "model.py 6:15 OOM104 http://kb.test/M7"
check "OOM102 in the nested project's bench.py" \
    contains "$got" "tools/bench.py 6:4 OOM102"
check "one server for train.py" contains "$got" "$(printf 'M20\nclients 1 processes 1')"
check "train.py and model.py share it (still one client, one process)" \
    contains "$got" "$(printf 'M7\nclients 1 processes 1')"
check "the nested project gets its own (two clients, two processes)" \
    contains "$got" "clients 2 processes 2"
check "pull diagnostics: a full report with the OOM101 finding" \
    contains "$got" "pull full 1 OOM101"
check ":OomkbFixAll applied the safe fix" \
    contains "$got" "fixed 11     losses.append(loss.detach())"
check "and the finding is gone" contains "$got" "after-fix 0"
readme_has_config() { # every line of the set-up is a line of the README
    while IFS= read -r line; do
        [ -z "$line" ] || grep -qxF -- "$line" "$repo/README.md" || return 1
    done <"$repo/editors/nvim-oomkb.lua"
}
check "the README shows the tested set-up" readme_has_config
summary
