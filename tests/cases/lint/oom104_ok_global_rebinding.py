# A `global` declaration sends the assignment to the module: the later call sees the wrapper.
from torch.nn.parallel import DistributedDataParallel
from torch.utils.checkpoint import checkpoint

model = DistributedDataParallel(None)


def use_wrapper():
    global checkpoint
    checkpoint = lambda fn, x: fn(x)


def forward(block, x):
    return checkpoint(block, x)
