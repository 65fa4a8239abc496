# Clean: DDP appears only in strings, docstrings and comments of this project (train.py), never
# in code, so the reentrant checkpoint below is not under DDP.
import torch.nn as nn
import torch.utils.checkpoint as cp


class Net(nn.Module):
    def forward(self, x):
        for blk in self.blocks:
            x = cp.checkpoint(blk, x)
        return x
