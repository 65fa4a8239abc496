import torch.distributed as dist


class torch:
    pass


def load(path):
    return path


def restore(model, path):
    dist.init_process_group("nccl")
    model.load_state_dict(load(path))
