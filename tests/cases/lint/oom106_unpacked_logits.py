# The model returns a tuple; the unpacked logits are one field of its outputs, kept on the GPU
# for every batch of the loader.
import torch


def score(model, eval_loader):
    model.eval()
    kept = []
    with torch.no_grad():
        for batch in eval_loader:
            logits, hidden = model(batch)
            kept.append(logits)  # expect: OOM106
    return kept
