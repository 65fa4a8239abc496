# A **kwargs splat of a local dict literal is read: here it says reentrant.
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.checkpoint import checkpoint

ckpt_kwargs = {"use_reentrant": True}
h = checkpoint(block, h, **ckpt_kwargs)  # expect: OOM104
model = DDP(model)
