import torch

HELP = "use DistributedDataParallel(model) and init_process_group for multi-GPU"


def main(args, model):
    # dist.init_process_group("nccl")
    model.load_state_dict(torch.load(args.resume))
