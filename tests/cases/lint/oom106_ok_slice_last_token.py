# Clean: only the last token's logits are kept (a slice, not the full logits).
import torch


@torch.no_grad()
def last_logits(model, loader):
    model.eval()
    keep = []
    for ids in loader:
        keep.append(model(ids).logits[:, -1])
    return keep
