import torch
import torch.distributed as dist


def main(args, model, **load_kwargs):
    dist.init_process_group("nccl")
    model.load_state_dict(torch.load(args.resume, **load_kwargs))
