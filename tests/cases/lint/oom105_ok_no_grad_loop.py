# Clean: the loop runs under torch.no_grad().
import torch


def validate(model, loader):
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            out = model(x)
            print((out.argmax(-1) == y).float().mean().item())
