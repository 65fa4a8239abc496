# Checkpointing in the model; the script wraps it in apex's DDP, not torch's.
import torch.nn as nn
import torch.utils.checkpoint as cp


class Net(nn.Module):
    def forward(self, x):
        for blk in self.blocks:
            x = cp.checkpoint(blk, x)
        return x
