import torch
import torch.distributed as dist


def main(model, local_rank):
    dist.init_process_group("nccl")
    device = torch.device("cuda", local_rank)
    model.to(device)
    model.cuda(local_rank)
    x = torch.ones(2).to(f"cuda:{local_rank}")
    return x
