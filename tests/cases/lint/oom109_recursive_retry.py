# The function calls itself with a smaller chunk from inside the handler.
import torch


def embed(model, xs, chunk=64):
    try:
        return torch.cat([model(xs[i : i + chunk]) for i in range(0, len(xs), chunk)])
    except torch.OutOfMemoryError:
        return embed(model, xs, chunk // 2)  # expect: OOM109
