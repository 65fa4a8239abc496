# Unsafe: use_reentrant=False changes behaviour, so without --unsafe-fixes nothing is fixed
# (the finding is not marked [*]).
import torch
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.checkpoint import checkpoint

model = DDP(model, device_ids=[rank])
for x in loader:
    h = checkpoint(model.block, x)
    h.sum().backward()
