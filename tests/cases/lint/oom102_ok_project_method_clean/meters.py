import torch


class Meter:
    def step(self, value):
        self.last = value

    def reset(self):
        torch.cuda.empty_cache()
