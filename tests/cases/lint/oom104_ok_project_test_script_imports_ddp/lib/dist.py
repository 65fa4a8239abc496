from torch.nn.parallel import DistributedDataParallel


def wrap(model, rank):
    return DistributedDataParallel(model, device_ids=[rank])
