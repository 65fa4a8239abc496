import torch.nn as nn


def unwrap(model: nn.DataParallel) -> nn.Module:
    return model.module
