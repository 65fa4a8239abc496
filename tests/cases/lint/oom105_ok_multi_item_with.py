# Clean: no_grad is one item of a multi-item with statement.
import torch


def validate(model, loader):
    model.eval()
    for x in loader:
        with torch.autocast("cuda"), torch.no_grad():
            out = model(x)
        print(out.mean().item())
