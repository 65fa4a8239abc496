# fix-options: --unsafe-fixes
# With --unsafe-fixes: a missing use_reentrant is added, an explicit True becomes False.
import torch
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.checkpoint import checkpoint

model = DDP(model, device_ids=[rank])
for x in loader:
    h = checkpoint(model.block, x)
    g = checkpoint(model.other, h, use_reentrant=True)
    g.sum().backward()
