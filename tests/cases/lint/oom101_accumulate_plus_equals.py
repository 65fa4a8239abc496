# `total_loss += loss` chains every step's graph onto the accumulator.
import torch.nn.functional as F


def train(model, loader, opt):
    total_loss = 0
    for step, (x, y) in enumerate(loader):
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total_loss += loss  # expect: OOM101
    return total_loss / len(loader)
