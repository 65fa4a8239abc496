# Clean: same model file, but this project never sets up DDP.
import torch.nn as nn
import torch.utils.checkpoint as cp


class Net(nn.Module):
    def forward(self, x):
        for blk in self.blocks:
            x = cp.checkpoint(blk, x)
        return x
