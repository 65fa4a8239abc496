import torch


class Tracker:
    def log(self, value):
        self.last = value

    def close(self):
        torch.cuda.empty_cache()


def train(model, loader, optimizer):
    tracker = Tracker()
    for batch in loader:
        loss = model(batch)
        loss.backward()
        optimizer.step()
        tracker.log(loss.item())
    tracker.close()
