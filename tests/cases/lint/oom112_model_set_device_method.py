import torch
import torch.distributed as dist


def main(rank, generator):
    # the model's own set_device method moves it; the process keeps GPU 0 as its device
    dist.init_process_group("nccl", rank=rank, world_size=2)  # expect: OOM112
    device = torch.device("cuda")
    generator.set_device(device)
