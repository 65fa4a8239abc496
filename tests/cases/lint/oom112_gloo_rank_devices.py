import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel as DDP


def setup(rank, world_size):
    dist.init_process_group("gloo", rank=rank, world_size=world_size)  # expect: OOM112


def train(rank, world_size, net):
    # every tensor names the rank's GPU, but DDP's gloo broadcast of the GPU model runs on
    # the current device, GPU 0 in every process
    setup(rank, world_size)
    device = torch.device(rank)
    return DDP(net.to(device), device_ids=[rank])


if __name__ == "__main__":
    mp.spawn(train, args=(2, None), nprocs=2)
