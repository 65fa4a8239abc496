# Clean: the handler sets a flag; the retry runs after the except block.
import torch


def train_step(model, batch, step):
    oom = False
    try:
        loss = step(model, batch)
    except torch.cuda.OutOfMemoryError:
        oom = True
    if oom:
        torch.cuda.empty_cache()
        loss = step(model, batch[: len(batch) // 2])
    return loss
