# Clean: the handler skips the batch.
import torch


def train(model, opt, loader, step):
    for batch in loader:
        try:
            step(model, batch)
        except torch.cuda.OutOfMemoryError:
            print("skipping batch", len(batch))
            opt.zero_grad()
            torch.cuda.empty_cache()
            continue
