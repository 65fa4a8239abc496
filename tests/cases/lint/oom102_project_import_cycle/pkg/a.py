import torch

from . import b


def flush():
    torch.cuda.empty_cache()


def cleanup():
    b.tidy()
