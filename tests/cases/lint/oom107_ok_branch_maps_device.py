import torch
import torch.distributed as dist


def resume(args, model):
    dist.init_process_group("nccl")
    if args.gpu is None:
        ckpt = torch.load(args.resume)
    else:
        ckpt = torch.load(args.resume, map_location=f"cuda:{args.gpu}")
    model.load_state_dict(ckpt)
