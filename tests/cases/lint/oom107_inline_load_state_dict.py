import torch
import torch.distributed as dist


def setup(model, path):
    dist.init_process_group("nccl")
    model.load_state_dict(torch.load(path))  # expect: OOM107
