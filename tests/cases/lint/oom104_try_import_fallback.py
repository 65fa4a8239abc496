# `try: import ... except ImportError: name = None` keeps torch's binding for the calls.
from torch.nn.parallel import DistributedDataParallel

try:
    from torch.utils.checkpoint import checkpoint
except ImportError:
    checkpoint = None


def forward(block, x):
    model = DistributedDataParallel(block)
    return checkpoint(model, x)  # expect: OOM104
