# The handler catches a tuple that includes the OOM error.
import torch


def infer(model, x):
    try:
        out = model.predict(x)
    except (torch.cuda.OutOfMemoryError, MemoryError):
        torch.cuda.empty_cache()
        out = model.predict(x[:1])  # expect: OOM109
    return out
