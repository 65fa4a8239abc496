import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP


def main(rank, net):
    # the device-generic API binds the process to its GPU like torch.cuda.set_device
    torch.accelerator.set_device_index(rank)
    dist.init_process_group(backend="gloo")
    return DDP(net.to(rank), device_ids=[rank])


if __name__ == "__main__":
    main(0, None)
