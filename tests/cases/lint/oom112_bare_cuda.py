import torch
import torch.distributed as dist


def main(model):
    dist.init_process_group(backend="nccl")  # expect: OOM112
    model = model.cuda()
