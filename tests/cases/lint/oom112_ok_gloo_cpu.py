import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP


def setup(rank, world_size):
    dist.init_process_group("gloo", rank=rank, world_size=world_size)


def train(rank, world_size, net, loader):
    # CPU training: gloo collectives on CPU tensors, no GPU anywhere
    setup(rank, world_size)
    device = torch.device("cpu")
    model = DDP(net.to(device))
    for x in loader:
        model(x).sum().backward()
