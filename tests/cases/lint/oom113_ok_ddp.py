import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel


def build(model, rank):
    a = DistributedDataParallel(model, device_ids=[rank])
    b = nn.parallel.DistributedDataParallel(model, device_ids=[rank])
    return a, b
