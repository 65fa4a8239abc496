import torch.nn.functional as F

from engine import backward_and_step


def train(model, loader, optimizer):
    history = []
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        backward_and_step(loss, optimizer)
        history.append(loss)  # expect: OOM101
    return history
