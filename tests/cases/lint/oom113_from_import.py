from torch.nn import DataParallel


def build(model):
    return DataParallel(model)  # expect: OOM113
