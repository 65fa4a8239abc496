#!/bin/sh
# A second real editor: Emacs (Debian's emacs-nox 28 with elpa-eglot) runs in batch with the
# README's Eglot set-up attached to `oomkb lsp`, visits two files of a project, and what Eglot
# received is checked: OOM101 and OOM104 (DDP set up in the other file), one server for the
# project, and source.fixAll.oomkb applied to the buffer.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
need emacs emacs-nox
if ! ls -d /usr/share/emacs/site-lisp/elpa/eglot-* >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || { echo "$0: needs apt-get install elpa-eglot" >&2; exit 2; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends elpa-eglot \
        >/dev/null 2>&1 || { echo "$0: could not install elpa-eglot" >&2; exit 2; }
fi
bin="$repo/${OOMKB_BIN:-build/debug/oomkb}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$work" init -q # Eglot's project is the version-controlled folder
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
    timeout 180 emacs -Q --batch -l "$here/eglot-lsp.el" >/dev/null 2>&1 || true
got=$(cat "$work/diags.txt" 2>/dev/null || echo "(no output from Emacs)")
echo "$got" | sed 's/^/  emacs: /'
check "OOM101 on line 11 of train.py" contains "$got" "train.py 11 oomkb [OOM101]: loss tensor"
check "OOM104 on line 7 of model.py, from the DDP set-up in train.py (train.py:5)" \
    contains "$got" "model.py 7 oomkb [OOM104]: \`checkpoint(...)\` is reentrant"
check "one server for both files" contains "$got" "$(printf 'train.py:5): pass use_reentrant=False\nservers 1')"
check "source.fixAll.oomkb applied" contains "$got" "fixed     losses.append(loss.detach())"
check "the README shows the tested set-up" sh -c '
    grep -qF "(add-to-list '\''eglot-server-programs '\''(python-mode . (\"oomkb\" \"lsp\"))))" "$1" &&
    grep -qF "(add-hook '\''python-mode-hook #'\''eglot-ensure)" "$1"' - "$repo/README.md"
summary
