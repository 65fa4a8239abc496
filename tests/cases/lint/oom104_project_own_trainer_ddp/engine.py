# The project's own trainer wraps the model in DDP: that is the project's set-up.
import torch.nn as nn


class Trainer:
    def __init__(self, model, rank):
        self.model = nn.parallel.DistributedDataParallel(model, device_ids=[rank])
