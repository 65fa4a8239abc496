import torch


def maybe_free(threshold=0.9):
    used = torch.cuda.memory_reserved() / torch.cuda.get_device_properties(0).total_memory
    if used > threshold:
        torch.cuda.empty_cache()
