import torch.nn as nn


def test_unwrap(model):
    wrapped = nn.DataParallel(model)
    assert wrapped.module is model
