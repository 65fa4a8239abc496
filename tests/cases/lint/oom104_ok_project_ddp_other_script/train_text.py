import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

from text_model import TextNet

dist.init_process_group("nccl")  # expect: OOM112
model = DDP(TextNet().cuda())
