# An import inside one function binds the name there only: `checkpoint` in `run` is a
# parameter (a project's own checkpointing callable), not torch's.
import torch

model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(4, 4))


def with_torch(block, x):
    from torch.utils.checkpoint import checkpoint

    return checkpoint(block, x, use_reentrant=False)


def run(block, x, checkpoint):
    return checkpoint(block, x)
