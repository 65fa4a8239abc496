import torch
import torch.distributed as dist
from torch.utils.data import DataLoader


def train(rank, dataset, net):
    dist.init_process_group(backend="nccl", rank=rank, world_size=4)
    torch.cuda.set_device(rank)
    device = torch.device("cuda:{:d}".format(rank))
    model = net.to(device)
    loader = DataLoader(dataset, batch_size=16, pin_memory=True)
    for x in loader:
        model(x.to(device))
