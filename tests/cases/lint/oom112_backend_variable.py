import torch
import torch.distributed as dist


def init(args, net):
    dist.init_process_group(backend=args.dist_backend, init_method=args.dist_url)  # expect: OOM112
    net.cuda()
