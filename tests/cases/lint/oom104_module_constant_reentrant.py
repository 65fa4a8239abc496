import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.checkpoint import checkpoint

USE_REENTRANT = True


class Block(nn.Module):
    def forward(self, x):
        return checkpoint(self.inner, x, use_reentrant=USE_REENTRANT)  # expect: OOM104


model = DistributedDataParallel(Block().cuda())
