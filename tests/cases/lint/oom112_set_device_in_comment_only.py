import torch
import torch.distributed as dist


def main(model):
    # torch.cuda.set_device(local_rank)
    dist.init_process_group("nccl")  # expect: OOM112
    model.cuda()
    print("remember torch.cuda.set_device")
