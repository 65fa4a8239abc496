import torch
import torch.distributed as dist


def check_round_trip(model, path):
    dist.init_process_group("nccl")
    torch.save(model.state_dict(), path)
    model.load_state_dict(torch.load(path))
