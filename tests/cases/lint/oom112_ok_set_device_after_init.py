import torch
import torch.distributed as dist


def main(model, rank):
    dist.init_process_group("nccl")
    torch.cuda.set_device(rank)
    model.cuda()
