# Clean: an unknown splat may carry use_reentrant; a variable value is not judged.
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.checkpoint import checkpoint


def run(f, x, **kwargs):
    y = checkpoint(f, x, **kwargs)
    return checkpoint(f, y, use_reentrant=cfg.reentrant)


model = DDP(model)
