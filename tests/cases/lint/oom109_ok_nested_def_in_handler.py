# Clean: a function defined in the handler is not run there.
import torch


def step(run, batch, retries):
    try:
        run(batch)
    except torch.cuda.OutOfMemoryError:
        def later():
            run(batch)

        retries.append(later)
