import torch
import torch.distributed as dist


def main(args, model, local_rank):
    dist.init_process_group("nccl")
    ckpt = torch.load(args.resume, f"cuda:{local_rank}")
    model.load_state_dict(ckpt)
