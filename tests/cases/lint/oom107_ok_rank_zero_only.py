import torch
import torch.distributed as dist


def main(args, model):
    dist.init_process_group("nccl")
    if dist.get_rank() == 0:
        model.load_state_dict(torch.load(args.resume))
    if is_main_process():
        model.load_state_dict(torch.load(args.other))


def is_main_process():
    return dist.get_rank() == 0
