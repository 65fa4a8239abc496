# The model is switched to eval mode, but the validation loop keeps autograd on.
import torch


def validate(model, val_loader):
    model.eval()
    correct = 0
    for x, y in val_loader:
        logits = model(x)  # expect: OOM105
        correct += (logits.argmax(-1) == y).sum().item()
    return correct
