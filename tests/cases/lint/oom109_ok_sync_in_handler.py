# Clean: a barrier before leaving the loop is not a retry of the work.
import torch


def bench(sizes, run, sync_all):
    for n in sizes:
        try:
            x = run(n)
            sync_all()
        except torch.cuda.OutOfMemoryError:
            print("out of memory at", n)
            sync_all()
            break
        del x
