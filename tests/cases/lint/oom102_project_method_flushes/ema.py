import torch


class EMAModel:
    def __init__(self, params, decay=0.999):
        self.shadow = [p.detach().clone() for p in params]
        self.decay = decay

    def step(self, params):
        for s, p in zip(self.shadow, params):
            s.mul_(self.decay).add_(p.detach(), alpha=1 - self.decay)
        torch.cuda.empty_cache()
