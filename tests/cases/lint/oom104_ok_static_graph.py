# Clean: DDP with static_graph=True supports reentrant checkpointing.
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.checkpoint import checkpoint

y = checkpoint(block, x)
model = DDP(model, device_ids=[rank], static_graph=True)
