import torch


def build(model):
    return torch.nn.DataParallel(model, device_ids=[0, 1, 2, 3]).cuda()  # expect: OOM113
