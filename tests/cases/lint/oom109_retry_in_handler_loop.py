# The handler splits the batch and runs the pieces in a loop, still inside the except.
import torch


def step_all(model, batch, run):
    try:
        run(model, batch)
    except torch.cuda.OutOfMemoryError:
        for part in batch.chunk(2):
            run(model, part)  # expect: OOM109
