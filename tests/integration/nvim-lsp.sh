#!/bin/sh
# A real editor: Neovim (Debian) runs headless with its built-in LSP client attached to
# `oomkb lsp`, opens training scripts of a project, and the diagnostics Neovim received are
# checked: codes, lines, columns and hrefs, including OOM104 where DDP is set up in another file.
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
OOMKB_BIN=$bin OOMKB_ROOT=$work OOMKB_OUT=$work/diags.txt OOMKB_FILES="train.py model.py" \
    timeout 180 nvim --headless -u NONE -c "luafile $here/nvim-lsp.lua" >/dev/null 2>&1 || true
got=$(cat "$work/diags.txt" 2>/dev/null || echo "(no output from Neovim)")
echo "$got" | sed 's/^/  nvim: /'
check "OOM101 on losses.append(loss), line 11 col 18, href to M20" \
    contains "$got" "train.py 10:18 OOM101 http://kb.test/M20"
check "OOM104 in model.py from the DDP set-up in train.py, href to M7" \
    contains "$got" "model.py 6:15 OOM104 http://kb.test/M7"
check "nothing else" test "$(echo "$got" | wc -l)" -eq 2
summary
