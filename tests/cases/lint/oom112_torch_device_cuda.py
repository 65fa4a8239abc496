import os
import torch
from torch.distributed import init_process_group


def main(model):
    init_process_group("nccl", rank=int(os.environ["RANK"]), world_size=4)  # expect: OOM112
    device = torch.device("cuda")
    model.to(device)
