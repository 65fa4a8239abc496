# Deleting locals in the handler does not free the frames the traceback holds.
import gc

import torch


def generate(model, ids, n):
    try:
        out = model.generate(ids, max_new_tokens=n)
    except torch.cuda.OutOfMemoryError:
        gc.collect()
        torch.cuda.empty_cache()
        out = model.generate(ids, max_new_tokens=n // 2)  # expect: OOM109
    return out
