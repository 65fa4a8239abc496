import torch.distributed as dist
from deepspeed.accelerator import get_accelerator


def main(model, local_rank):
    get_accelerator().set_device(local_rank)
    dist.init_process_group("nccl")
    model.cuda()
