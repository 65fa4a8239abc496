# Clean: the batch size shrinks in the handler; the retry is the next iteration of the loop.
import torch


def find_batch_size(run, bs):
    while bs > 0:
        try:
            run(bs)
            return bs
        except torch.cuda.OutOfMemoryError:
            bs //= 2
            torch.cuda.empty_cache()
    return 0
