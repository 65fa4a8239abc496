import torch
import torch.distributed as dist


def resume(args, scheduler, scaler):
    dist.init_process_group("nccl")
    scheduler.load_state_dict(torch.load(args.sched_path))
    scaler_state = torch.load(args.scaler_path)
    scaler.load_state_dict(scaler_state)
