# pkg/models/__init__.py imports base.py, which imports this file; models/vlm.py shares the
# package's name and must not shadow `vlm.models.base`.
import torch.nn as nn
from torch.utils.checkpoint import checkpoint


class Tower(nn.Module):
    def forward(self, x):
        for blk in self.blocks:
            x = checkpoint(blk, x)  # expect: OOM104
        return x
