# Clean: the handler gives up on the batch; nothing of the try block runs again.
import torch


def embed(model, xs):
    try:
        return model(xs.cuda())
    except torch.cuda.OutOfMemoryError:
        torch.cuda.empty_cache()
        return None
