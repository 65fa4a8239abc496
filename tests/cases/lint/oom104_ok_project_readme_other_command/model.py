# Clean: the README's launcher line names no script of this project ($SCRIPT); it documents
# something else.
import torch.nn as nn
from torch.utils.checkpoint import checkpoint


class Net(nn.Module):
    def forward(self, x):
        for blk in self.blocks:
            x = checkpoint(blk, x)
        return x
