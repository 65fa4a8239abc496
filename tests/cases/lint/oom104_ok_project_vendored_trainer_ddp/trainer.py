# A vendored copy of a library trainer: it wraps DDP only under the library's own launch
# conditions, which says nothing about how this project's script runs.
import torch.nn as nn


class Trainer:
    def __init__(self, model, args, compute_metrics=None):
        self.model, self.args, self.compute_metrics = model, args, compute_metrics

    def _wrap_model(self, model):
        if self.args.local_rank != -1:
            model = nn.parallel.DistributedDataParallel(model, device_ids=[self.args.local_rank])
        return model

    def evaluation_loop(self, loader):
        if self.args.eval_accumulation_steps is not None:
            return None
        return [self.model(b) for b in loader]
