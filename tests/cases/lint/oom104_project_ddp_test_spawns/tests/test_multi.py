import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

from model import Net


def worker(rank):
    DistributedDataParallel(Net().cuda(rank), device_ids=[rank])


def test_two_ranks():
    mp.spawn(worker, nprocs=2)
