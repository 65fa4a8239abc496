import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.checkpoint import checkpoint

USE_REENTRANT = False


class Block(nn.Module):
    def forward(self, x):
        return checkpoint(self.inner, x, use_reentrant=USE_REENTRANT)


model = DistributedDataParallel(Block().cuda())
