import torch
import torch.distributed
import torch.multiprocessing


def loader_kwargs():
    return dict(pin_memory=True, num_workers=3)


def subprocess_fn(rank, args):
    torch.distributed.init_process_group(backend="nccl", rank=rank, world_size=args.num_gpus)  # expect: OOM112
    sync_device = torch.device("cuda", rank)
    args.run(rank=rank, sync_device=sync_device, **loader_kwargs())


def launch(args):
    torch.multiprocessing.spawn(fn=subprocess_fn, args=(args,), nprocs=args.num_gpus)
