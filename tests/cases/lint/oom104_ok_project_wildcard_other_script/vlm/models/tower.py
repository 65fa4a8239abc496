import torch.nn as nn
from torch.utils.checkpoint import checkpoint


class Tower(nn.Module):
    def forward(self, x):
        for blk in self.blocks:
            x = checkpoint(blk, x)
        return x
