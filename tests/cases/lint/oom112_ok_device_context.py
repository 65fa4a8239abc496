import torch
import torch.distributed as dist


def main(model, rank):
    with torch.cuda.device(rank):
        dist.init_process_group("nccl")
        model.cuda()
