# A step function (trains once per call, called from the loop) that empties the cache.
import torch


class Runner:
    def run_iter(self, batch):
        loss = self.model(batch)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        torch.cuda.empty_cache()  # expect: OOM102

    def fit(self):
        for batch in self.loader:
            self.run_iter(batch)
