# torch.utils.checkpoint without use_reentrant, DDP set up in the same script.
import torch
import torch.utils.checkpoint
from torch.nn.parallel import DistributedDataParallel as DDP


class Block(torch.nn.Module):
    def forward(self, x):
        return torch.utils.checkpoint.checkpoint(self.inner, x)  # expect: OOM104


model = DDP(Model().cuda(), device_ids=[rank])
