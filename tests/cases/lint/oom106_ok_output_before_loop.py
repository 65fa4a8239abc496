# Clean: the reference output is computed once before the loop and appended each time.
import torch


@torch.no_grad()
def compare(model, reference_batch, loader):
    model.eval()
    ref = model(reference_batch).cpu()
    rows = []
    for x in loader:
        rows.append(ref)
    return rows
