import torch
from torch.distributed import init_process_group
from torch.utils.data import DataLoader


def train(rank, dataset, net):
    init_process_group(backend="nccl", rank=rank, world_size=4)  # expect: OOM112
    device = torch.device("cuda:{:d}".format(rank))
    model = net.to(device)
    # the pinning thread binds to the current device: GPU 0 in every rank
    loader = DataLoader(dataset, batch_size=16, pin_memory=True)
    for x in loader:
        model(x.to(device))
