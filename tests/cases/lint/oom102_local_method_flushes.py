import torch


class Averager:
    def __init__(self):
        self.total = 0.0

    def update(self, value):
        self.total += value
        torch.cuda.empty_cache()


def train(model, loader, optimizer):
    avg = Averager()
    for batch in loader:
        loss = model(batch)
        loss.backward()
        optimizer.step()
        avg.update(loss.item())  # expect: OOM102
