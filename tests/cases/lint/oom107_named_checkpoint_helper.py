import torch
import torch.distributed as dist


def load_checkpoint(path):
    return torch.load(path)  # expect: OOM107


def main():
    dist.init_process_group("nccl")
    return load_checkpoint("last.pt")
