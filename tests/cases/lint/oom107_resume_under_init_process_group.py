import torch
import torch.distributed as dist


def main(args, model):
    dist.init_process_group(backend="nccl")
    ckpt = torch.load(args.resume)  # expect: OOM107
    model.load_state_dict(ckpt["model"])
