import torch.nn as nn


def kind(model):
    return type(model) is nn.DataParallel
