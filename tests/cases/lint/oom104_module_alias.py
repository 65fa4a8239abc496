# import torch.utils.checkpoint as cp / as checkpoint; use_reentrant=True explicitly.
import torch.utils.checkpoint as checkpoint
import torch.utils.checkpoint as cp
from torch.nn.parallel import DistributedDataParallel


def forward(blocks, x):
    for blk in blocks:
        x = cp.checkpoint(blk, x, use_reentrant=True)  # expect: OOM104
        x = checkpoint.checkpoint(blk, x)  # expect: OOM104
    return x


model = DistributedDataParallel(model, find_unused_parameters=True)
