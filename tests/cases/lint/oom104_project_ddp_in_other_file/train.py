# Entry point: sets up DDP.
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from model import Net

dist.init_process_group("nccl")  # expect: OOM112
model = DistributedDataParallel(Net().cuda())
