from accelerate import Accelerator
from accelerate.utils import DistributedDataParallelKwargs

from model import Net

kwargs = DistributedDataParallelKwargs(static_graph=True)
accelerator = Accelerator(kwargs_handlers=[kwargs])
model = accelerator.prepare(Net())
