# Clean: reentrant checkpointing in a single-process script (no DDP anywhere).
import torch
from torch.utils.checkpoint import checkpoint

model = Model().cuda()
for x in loader:
    y = checkpoint(model.block, x)
    y.sum().backward()
