from torch import load as tload
from torch.nn.parallel import DistributedDataParallel as DDP
import torch


def build(model, args):
    state = torch.load(args.weights)  # expect: OOM107
    model.load_state_dict(state)
    return DDP(model, device_ids=[args.local_rank])
