# The test below starts two processes, each wrapping the model in DDP.
import torch.nn as nn
from torch.utils.checkpoint import checkpoint


class Net(nn.Module):
    def forward(self, x):
        for blk in self.blocks:
            x = checkpoint(blk, x)  # expect: OOM104
        return x
