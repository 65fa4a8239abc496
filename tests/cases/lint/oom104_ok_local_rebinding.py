# A local rebinding shadows the module's import: the call goes to the project's wrapper.
from torch.nn.parallel import DistributedDataParallel
from torch.utils.checkpoint import checkpoint


def make_checkpoint():
    return lambda fn, *args: fn(*args)


class Net:
    def __init__(self, block):
        self.block = DistributedDataParallel(block)

    def forward(self, x):
        checkpoint = make_checkpoint()
        return checkpoint(self.block, x)
