import torch.nn as nn


def build(model):
    return nn.DataParallel(model, device_ids=[0])
