from torch.nn.parallel import DataParallel as DP


def build(model, gpus):
    return DP(model, device_ids=gpus)  # expect: OOM113
