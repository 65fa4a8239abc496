# Clean: under no_grad the logits are moved to the host before they are kept.
import torch


def collect(model, loader):
    model.eval()
    keep = []
    with torch.no_grad():
        for batch in loader:
            keep.append(model(batch).logits.cpu())
    return keep
