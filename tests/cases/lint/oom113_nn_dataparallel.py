import torch
import torch.nn as nn


def build(model):
    if torch.cuda.device_count() > 1:
        model = nn.DataParallel(model)  # expect: OOM113
    return model.cuda()
