import torch
import torch.distributed as dist


def evaluate_all(args, model, checkpoints):
    dist.init_process_group("nccl")
    if args.do_eval and args.local_rank in [-1, 0]:
        for ckpt in checkpoints:
            model.load_state_dict(torch.load(ckpt))
