# The import inside the function that calls it is torch's checkpoint, reentrant by default.
import torch

model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(4, 4))


def forward(block, x):
    from torch.utils.checkpoint import checkpoint

    return checkpoint(block, x)  # expect: OOM104


def later(block, x):
    return checkpoint(block, x)  # (checkpoint is not bound in this function or the module)
