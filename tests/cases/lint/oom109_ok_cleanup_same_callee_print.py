# Clean: bookkeeping calls that also appear in the try body are not retries.
import torch


def step(model, batch):
    try:
        print("step", len(batch))
        out = model(batch)
    except torch.cuda.OutOfMemoryError:
        print("oom", len(batch))
        torch.cuda.empty_cache()
        out = None
    return out
