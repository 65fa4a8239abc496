# A same-file wrapper that always empties the cache, called every step.
import gc

import torch


def free_memory():
    gc.collect()
    torch.cuda.empty_cache()


for batch in loader:
    loss = criterion(model(batch.x), batch.y)
    loss.backward()
    optimizer.step()
    free_memory()  # expect: OOM102
