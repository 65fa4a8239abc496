# The step is retried with half the batch inside the OOM handler.
import torch


def train_step(model, batch, step):
    try:
        loss = step(model, batch)
    except torch.cuda.OutOfMemoryError:
        torch.cuda.empty_cache()
        loss = step(model, batch[: len(batch) // 2])  # expect: OOM109
    return loss
