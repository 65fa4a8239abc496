# train.py builds its Accelerator through library/train_util.py and trains this model.
import torch.nn as nn
from torch.utils.checkpoint import checkpoint


class Net(nn.Module):
    def forward(self, x):
        for blk in self.blocks:
            x = checkpoint(blk, x)  # expect: OOM104
        return x
