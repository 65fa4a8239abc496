# Clean: the only caller runs the evaluation under no_grad.
import torch


def evaluate_loop(model, loader):
    model.eval()
    out = []
    for x in loader:
        out.append(model(x).argmax(-1).cpu())
    return out


def main(model, loader):
    with torch.no_grad():
        return evaluate_loop(model, loader)
