# Clean: a project function named checkpoint (guided-diffusion style) and relative imports of one.
from torch.nn.parallel import DistributedDataParallel as DDP

from .nn import checkpoint as nn_checkpoint


def checkpoint(func, inputs, params, flag):
    if flag:
        return CheckpointFunction.apply(func, len(inputs), *(inputs + params))
    return func(*inputs)


h = checkpoint(self._forward, (x,), self.parameters(), True)
g = nn_checkpoint(self._forward, (x,), self.parameters(), True)
model = DDP(model)
