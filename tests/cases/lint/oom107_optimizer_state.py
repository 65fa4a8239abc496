import torch
from torch.nn.parallel import DistributedDataParallel


class Trainer:
    def __init__(self, model, opt, rank):
        self.model = DistributedDataParallel(model, device_ids=[rank])
        self.opt = opt

    def resume(self, path):
        blob = torch.load(path, weights_only=True)  # expect: OOM107
        self.model.module.load_state_dict(blob["model"])
        self.opt.load_state_dict(blob["opt"])
