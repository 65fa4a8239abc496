import torch


def flush():
    torch.cuda.empty_cache()
