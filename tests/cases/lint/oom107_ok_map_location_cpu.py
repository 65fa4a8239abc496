import torch
import torch.distributed as dist


def main(args, model):
    dist.init_process_group("nccl")
    ckpt = torch.load(args.resume, map_location="cpu")
    model.load_state_dict(ckpt["model"])
